// /v1/checks: run and read pre-deploy checks. A check is recorded whatever its verdict; `passed` is
// false when any finding is an error. Routes validate and call services.contracts.
import type { FastifyInstance } from 'fastify';
import { findingsOf } from '../../core/contracts/contracts.js';
import type { CheckFinding, CheckRecord, SchemaSide, TopicCheck } from '../../core/contracts/types.js';
import type { AppDeps } from '../deps.js';
import { nativeErrors } from '../shared-schemas.js';
import { manifestInput } from './dags.js';
import { typed } from '../type-provider.js';

const tags = ['checks'];
export const environmentParam = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.-]+$' } as const;

const side = {
  type: 'object', required: ['source'],
  properties: {
    source: { type: 'string', enum: ['contract', 'subject-latest', 'pulsar-topic', 'active-dag'] },
    subject: { type: 'string' }, version: { type: 'integer' }, schema_id: { type: 'integer' },
    dag_id: { type: 'string' }, dag_version: { type: 'string' }, pulsar_version: { type: 'integer' },
  },
} as const;
const findingView = {
  type: 'object', required: ['severity', 'kind', 'topic', 'direction', 'message'],
  properties: {
    severity: { type: 'string', enum: ['error', 'warning', 'info'] },
    kind: { type: 'string' }, topic: { type: 'string' }, direction: { type: 'string', enum: ['consume', 'produce'] },
    subject: { type: 'string' }, reader: side, writer: side,
    path: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' },
    pulsar: { type: 'object', required: ['compatible'], properties: { compatible: { type: 'boolean' }, strategy: { type: 'string' }, reason: { type: 'string' } } },
  },
} as const;
const topicCheckView = {
  type: 'object', required: ['name', 'topic', 'direction', 'kind', 'status', 'findings'],
  properties: {
    name: { type: 'string' }, topic: { type: 'string' }, direction: { type: 'string', enum: ['consume', 'produce'] },
    kind: { type: 'string' }, status: { type: 'string', enum: ['passed', 'failed'] }, findings: { type: 'array', items: findingView },
  },
} as const;
export const checkView = {
  type: 'object', required: ['id', 'dag_id', 'version', 'environment', 'passed', 'checks', 'findings', 'requested_by', 'created_at'],
  properties: {
    id: { type: 'integer' }, dag_id: { type: 'string' }, version: { type: 'string' }, environment: { type: 'string' },
    passed: { type: 'boolean' },
    checks: { type: 'array', items: topicCheckView, description: 'Every comparison made (one JUnit testcase each)' },
    findings: { type: 'array', items: findingView, description: 'All findings of all checks' },
    together: {
      type: 'array', description: 'The other DAG versions of the change this one was checked together with; deploying it without them is refused when it cannot work beside their active versions',
      items: { type: 'object', required: ['dag_id', 'version'], properties: { dag_id: { type: 'string' }, version: { type: 'string' } } },
    },
    requested_by: { type: 'string' }, created_at: { type: 'string', format: 'date-time' },
  },
} as const;

const presentSide = (s?: SchemaSide) => s && {
  source: s.source, subject: s.subject, version: s.version, schema_id: s.schemaId, dag_id: s.dagId, dag_version: s.dagVersion, pulsar_version: s.pulsarVersion,
};
const presentFinding = (f: CheckFinding) => ({ ...f, reader: presentSide(f.reader), writer: presentSide(f.writer) });
const presentTopicCheck = (c: TopicCheck) => ({ ...c, findings: c.findings.map(presentFinding) });

export function presentCheck(c: CheckRecord) {
  return {
    id: c.id, dag_id: c.dagId, version: c.version, environment: c.environment, passed: c.passed,
    checks: c.checks.map(presentTopicCheck), findings: findingsOf(c).map(presentFinding),
    together: c.together.map((t) => ({ dag_id: t.dagId, version: t.version })),
    requested_by: c.requestedBy, created_at: c.createdAt.toISOString(),
  };
}

export async function checkRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  const contracts = () => deps.services.contracts;

  app.post('/v1/checks', {
    config: { scope: 'check' },
    schema: {
      tags, summary: 'Pre-deploy check of a contract manifest against an environment (recorded; passed = no error findings)',
      description: 'Consumed topics: the reader schema against the subject\'s latest version, the producers active in the environment ' +
        'and (with pulsar) the schema on the topic plus Pulsar\'s own verdict. Produced topics: the consumers active in the environment, ' +
        'the subject\'s compatibility level and Pulsar. With pulsar, drift between the registry and the topics. ' +
        '"pulsar" defaults to true when the server has a Pulsar admin URL.',
      body: {
        type: 'object', required: ['manifest', 'environment'], additionalProperties: false,
        properties: {
          manifest: manifestInput, environment: environmentParam, pulsar: { type: 'boolean' },
          together: {
            type: 'array', maxItems: 100,
            description: 'Registered DAG versions deployed together with this one: each replaces its DAG\'s active version in the comparisons, '
              + 'so a producer and a consumer changed together are checked against each other',
            items: {
              type: 'object', required: ['dag_id', 'version'], additionalProperties: false,
              properties: { dag_id: { type: 'string', minLength: 1, maxLength: 250 }, version: { type: 'string', minLength: 1, maxLength: 200 } },
            },
          },
        },
      } as const,
      response: { 201: checkView, ...nativeErrors(400, 401, 403, 404, 415, 422, 502, 503) },
    },
  }, async (request, reply) => {
    const body = request.body;
    const record = await contracts().check({
      manifest: body.manifest, environment: body.environment, ...(body.pulsar === undefined ? {} : { pulsar: body.pulsar }),
      together: (body.together ?? []).map((t) => ({ dagId: t.dag_id, version: t.version })),
    }, request.principal);
    reply.status(201);
    return presentCheck(record);
  });

  app.get('/v1/checks/:id', {
    schema: {
      tags, summary: 'A recorded check with every finding',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } } } as const,
      response: { 200: checkView, ...nativeErrors(400, 401, 403, 404) },
    },
  }, async (request) => presentCheck(await contracts().getCheck(request.params.id)));
}
