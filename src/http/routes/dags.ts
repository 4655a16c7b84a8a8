// /v1/dags: register a DAG version with its contract (immutable), list DAGs and read versions.
// Routes validate and call services.contracts; decisions live in the core.
import type { FastifyInstance } from 'fastify';
import type { ContractEntry, DagVersionRecord } from '../../core/contracts/types.js';
import type { AppDeps } from '../deps.js';
import { nativeErrors } from '../shared-schemas.js';
import { typed } from '../type-provider.js';

const tags = ['dags'];

export const dagIdParam = { type: 'string', minLength: 1, maxLength: 250, pattern: '^[A-Za-z0-9_.-]+$' } as const;
export const dagVersionParam = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.+-]+$' } as const;

// No minLength on the text: ajv counts a string's characters one by one for it, a scan of the whole
// field (up to the body limit) on the event loop. The manifest reader refuses an empty or too long text
// instead (422 naming "$"), the length with one read of .length before the text goes to a worker.
export const manifestInput = {
  anyOf: [{ type: 'object' }, { type: 'string' }],
  description: 'The contract manifest (schemas/contract-manifest.schema.json): the document, or its YAML/JSON text',
} as const;

const bindingView = {
  type: 'object', required: ['topic', 'subject', 'version', 'schema_id', 'format', 'declared'],
  properties: {
    topic: { type: 'string' }, subject: { type: 'string' },
    version: { type: 'integer', nullable: true, description: 'Null for a produced schema new to its subject: it joins the subject at the first deploy' },
    schema_id: { type: 'integer', nullable: true },
    format: { type: 'string', enum: ['AVRO', 'JSON'] },
    declared: { anyOf: [{ type: 'integer' }, { type: 'string' }], description: 'What the manifest said: a number, "latest" or "inline"' },
    on_mismatch: { type: 'string', enum: ['quarantine', 'reject'] },
    trigger_topic: { type: 'string', nullable: true },
    forward_to: { type: 'string', enum: ['topic', 'airflow'], description: 'Where accepted messages go; absent = the gatekeeper\'s DAGPACT_FORWARD_TO' },
    sensitive_fields: { type: 'array', items: { type: 'string' }, description: 'Paths the contract marks sensitive (redacted where held messages are shown)' },
  },
} as const;

export const dagVersionView = {
  type: 'object', required: ['dag_id', 'version', 'contract_hash', 'consumes', 'produces', 'created_by', 'created_at'],
  properties: {
    dag_id: { type: 'string' }, version: { type: 'string' },
    airflow_version_number: { type: 'integer', nullable: true },
    contract_hash: { type: 'string' },
    consumes: { type: 'array', items: bindingView },
    produces: { type: 'array', items: bindingView },
    created_by: { type: 'string' }, created_at: { type: 'string', format: 'date-time' },
  },
} as const;

const presentBinding = (b: ContractEntry) => ({
  topic: b.topic, subject: b.subject, version: b.version, schema_id: b.schemaId, format: b.format, declared: b.declared,
  ...(b.onMismatch ? { on_mismatch: b.onMismatch, trigger_topic: b.triggerTopic ?? null } : {}),
  ...(b.forwardTo ? { forward_to: b.forwardTo } : {}),
  ...(b.sensitiveFields?.length ? { sensitive_fields: b.sensitiveFields } : {}),
});

export function presentDagVersion(v: DagVersionRecord) {
  return {
    dag_id: v.dagId, version: v.version, airflow_version_number: v.airflowVersionNumber, contract_hash: v.contractHash,
    consumes: v.contract.consumes.map(presentBinding), produces: v.contract.produces.map(presentBinding),
    created_by: v.createdBy, created_at: v.createdAt.toISOString(),
  };
}

export async function dagRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  const contracts = () => deps.services.contracts;

  app.post('/v1/dags', {
    config: { scope: 'check' },
    schema: {
      tags, summary: 'Register a DAG version with its contract (idempotent; a different contract under the same version is 409)',
      description: 'References with "latest" are pinned to the version current now; inline schemas are registered under their subject ' +
        '(its compatibility level applies). 422 INVALID_MANIFEST names each problem by JSON path; 409 CONTRACT_CONFLICT lists what differs.',
      body: { type: 'object', required: ['manifest'], additionalProperties: false, properties: { manifest: manifestInput } } as const,
      response: { 200: dagVersionView, 201: dagVersionView, ...nativeErrors(400, 401, 403, 409, 415, 422) },
    },
  }, async (request, reply) => {
    const { manifest } = request.body;
    const { record, created } = await contracts().registerVersion(manifest, request.principal);
    reply.status(created ? 201 : 200);
    return presentDagVersion(record);
  });

  app.get('/v1/dags', {
    schema: {
      tags, summary: 'List registered DAGs',
      response: {
        200: {
          type: 'object', required: ['dags'],
          properties: {
            dags: {
              type: 'array',
              items: {
                type: 'object', required: ['dag_id', 'version_count', 'created_at'],
                properties: { dag_id: { type: 'string' }, version_count: { type: 'integer' }, latest_version: { type: 'string', nullable: true }, created_at: { type: 'string', format: 'date-time' } },
              },
            },
          },
        },
        ...nativeErrors(401, 403),
      },
    },
  }, async () => ({
    dags: (await contracts().listDags()).map((d) => ({ dag_id: d.dagId, version_count: d.versionCount, latest_version: d.latestVersion, created_at: d.createdAt.toISOString() })),
  }));

  app.get('/v1/dags/:dag_id/versions', {
    schema: {
      tags, summary: "A DAG's versions with their contracts, oldest first",
      params: { type: 'object', required: ['dag_id'], properties: { dag_id: dagIdParam } } as const,
      response: {
        200: { type: 'object', required: ['dag_id', 'versions'], properties: { dag_id: { type: 'string' }, versions: { type: 'array', items: dagVersionView } } },
        ...nativeErrors(400, 401, 403, 404),
      },
    },
  }, async (request) => {
    const { dag_id } = request.params;
    const { versions } = await contracts().getDag(dag_id);
    return { dag_id, versions: versions.map(presentDagVersion) };
  });

  app.get('/v1/dags/:dag_id/versions/:version', {
    schema: {
      tags, summary: 'One DAG version and its contract',
      params: { type: 'object', required: ['dag_id', 'version'], properties: { dag_id: dagIdParam, version: dagVersionParam } } as const,
      response: { 200: dagVersionView, ...nativeErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { dag_id, version } = request.params;
    return presentDagVersion(await contracts().getVersion(dag_id, version));
  });
}
