CREATE TABLE "api_tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"details" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "checks" (
	"id" serial PRIMARY KEY NOT NULL,
	"environment" text NOT NULL,
	"dag_id" text NOT NULL,
	"version" text NOT NULL,
	"manifest" jsonb NOT NULL,
	"passed" boolean NOT NULL,
	"findings" jsonb NOT NULL,
	"requested_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contract_bindings" (
	"id" serial PRIMARY KEY NOT NULL,
	"dag_version_id" integer NOT NULL,
	"direction" text NOT NULL,
	"topic" text NOT NULL,
	"subject" text NOT NULL,
	"subject_version" integer NOT NULL,
	"schema_id" integer NOT NULL,
	"on_mismatch" text DEFAULT 'quarantine' NOT NULL,
	"trigger_topic" text
);
--> statement-breakpoint
CREATE TABLE "dag_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"dag_id" text NOT NULL,
	"version" text NOT NULL,
	"airflow_version_number" integer,
	"contract" jsonb NOT NULL,
	"contract_hash" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dags" (
	"dag_id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" serial PRIMARY KEY NOT NULL,
	"environment" text NOT NULL,
	"dag_id" text NOT NULL,
	"dag_version_id" integer,
	"check_id" integer,
	"forced" boolean DEFAULT false NOT NULL,
	"reason" text,
	"deployed_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quarantine_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source_topic" text NOT NULL,
	"message_id" text NOT NULL,
	"dag_id" text NOT NULL,
	"dag_version" text,
	"environment" text NOT NULL,
	"disposition" text NOT NULL,
	"reason_code" text NOT NULL,
	"reason" text NOT NULL,
	"payload" "bytea" NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"message_key" text,
	"publish_time" timestamp with time zone,
	"event_time" timestamp with time zone,
	"pulsar_schema_version" text,
	"expected_schema_id" integer,
	"detected_schema_id" integer,
	"status" text DEFAULT 'held' NOT NULL,
	"history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "registry_config" (
	"scope" text PRIMARY KEY NOT NULL,
	"compatibility" text,
	"mode" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schema_references" (
	"subject" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"ref_subject" text NOT NULL,
	"ref_version" integer NOT NULL,
	CONSTRAINT "schema_references_subject_version_name_pk" PRIMARY KEY("subject","version","name")
);
--> statement-breakpoint
CREATE TABLE "schemas" (
	"id" serial PRIMARY KEY NOT NULL,
	"format" text NOT NULL,
	"content_key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"canonical" text NOT NULL,
	"schema_text" text NOT NULL,
	"references" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schemas_content_key_unique" UNIQUE("content_key")
);
--> statement-breakpoint
CREATE TABLE "subject_versions" (
	"subject" text NOT NULL,
	"version" integer NOT NULL,
	"schema_id" integer NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"metadata" jsonb,
	"rule_set" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subject_versions_subject_version_pk" PRIMARY KEY("subject","version")
);
--> statement-breakpoint
CREATE TABLE "subjects" (
	"name" text PRIMARY KEY NOT NULL,
	"format" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "contract_bindings" ADD CONSTRAINT "contract_bindings_dag_version_id_dag_versions_id_fk" FOREIGN KEY ("dag_version_id") REFERENCES "public"."dag_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_bindings" ADD CONSTRAINT "contract_bindings_schema_id_schemas_id_fk" FOREIGN KEY ("schema_id") REFERENCES "public"."schemas"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dag_versions" ADD CONSTRAINT "dag_versions_dag_id_dags_dag_id_fk" FOREIGN KEY ("dag_id") REFERENCES "public"."dags"("dag_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_dag_id_dags_dag_id_fk" FOREIGN KEY ("dag_id") REFERENCES "public"."dags"("dag_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_dag_version_id_dag_versions_id_fk" FOREIGN KEY ("dag_version_id") REFERENCES "public"."dag_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subject_versions" ADD CONSTRAINT "subject_versions_subject_subjects_name_fk" FOREIGN KEY ("subject") REFERENCES "public"."subjects"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subject_versions" ADD CONSTRAINT "subject_versions_schema_id_schemas_id_fk" FOREIGN KEY ("schema_id") REFERENCES "public"."schemas"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_target_idx" ON "audit_events" USING btree ("target_type","target_id");--> statement-breakpoint
CREATE INDEX "checks_dag_idx" ON "checks" USING btree ("dag_id","version","environment","id");--> statement-breakpoint
CREATE INDEX "contract_bindings_topic_idx" ON "contract_bindings" USING btree ("topic","direction");--> statement-breakpoint
CREATE UNIQUE INDEX "dag_versions_dag_version_idx" ON "dag_versions" USING btree ("dag_id","version");--> statement-breakpoint
CREATE INDEX "deployments_env_dag_idx" ON "deployments" USING btree ("environment","dag_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "quarantine_source_dag_idx" ON "quarantine_records" USING btree ("source_topic","message_id","dag_id");--> statement-breakpoint
CREATE INDEX "quarantine_status_idx" ON "quarantine_records" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "schema_references_target_idx" ON "schema_references" USING btree ("ref_subject","ref_version");--> statement-breakpoint
CREATE INDEX "schemas_fingerprint_idx" ON "schemas" USING btree ("fingerprint");--> statement-breakpoint
CREATE INDEX "subject_versions_schema_idx" ON "subject_versions" USING btree ("schema_id");