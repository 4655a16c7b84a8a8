CREATE TABLE "broker_schemas" (
	"topic" text NOT NULL,
	"version" text NOT NULL,
	"pulsar_type" text NOT NULL,
	"definition" text NOT NULL,
	"schema_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "broker_schemas_topic_version_pk" PRIMARY KEY("topic","version")
);
--> statement-breakpoint
ALTER TABLE "broker_schemas" ADD CONSTRAINT "broker_schemas_schema_id_schemas_id_fk" FOREIGN KEY ("schema_id") REFERENCES "public"."schemas"("id") ON DELETE no action ON UPDATE no action;