CREATE TABLE "environments" (
	"name" text PRIMARY KEY NOT NULL,
	"description" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Environments that deployments and checks already used become declared ones; a fresh database
-- starts with dev, staging and prod (docs/adr/0015).
INSERT INTO "environments" ("name", "created_by")
SELECT DISTINCT "environment", 'migration' FROM "deployments"
UNION SELECT DISTINCT "environment", 'migration' FROM "checks"
UNION SELECT 'dev', 'migration' UNION SELECT 'staging', 'migration' UNION SELECT 'prod', 'migration'
ON CONFLICT DO NOTHING;
