// /v1/deployments and /v1/environments/{env}/active: activate a DAG version in an environment behind
// the check gate (409 CHECK_REQUIRED; force with a reason bypasses it, audited), optionally pushing
// its schemas to Pulsar; deployment history; what is active where. Routes call services.contracts.
import type { FastifyInstance } from 'fastify';
import type { DeployResult } from '../../core/contracts/contracts.js';
import type { DeploymentRecord } from '../../core/contracts/types.js';
import type { AppDeps } from '../deps.js';
import { nativeErrors } from '../shared-schemas.js';
import { environmentParam } from './checks.js';
import { dagIdParam, dagVersionParam, dagVersionView, presentDagVersion } from './dags.js';
import { typed } from '../type-provider.js';

const tags = ['deployments'];

const deploymentView = {
  type: 'object', required: ['id', 'environment', 'dag_id', 'version', 'forced', 'deployed_by', 'created_at'],
  properties: {
    id: { type: 'integer' }, environment: { type: 'string' }, dag_id: { type: 'string' },
    version: { type: 'string', nullable: true, description: 'Null for an undeploy' },
    check_id: { type: 'integer', nullable: true }, forced: { type: 'boolean' }, reason: { type: 'string', nullable: true },
    deployed_by: { type: 'string' }, created_at: { type: 'string', format: 'date-time' },
  },
} as const;

const deployResultView = {
  type: 'object', required: ['deployment', 'already_active', 'pinned', 'pushed', 'namespaces', 'topics'],
  properties: {
    deployment: deploymentView,
    already_active: { type: 'boolean', description: 'True when this version was already the active one there: no new deployment was recorded' },
    pinned: {
      type: 'array', description: 'Produced schemas that joined their subject\'s history with this (first) deployment',
      items: {
        type: 'object', required: ['topic', 'subject', 'version', 'schema_id'],
        properties: { topic: { type: 'string' }, subject: { type: 'string' }, version: { type: 'integer' }, schema_id: { type: 'integer' } },
      },
    },
    pushed: {
      type: 'array',
      items: {
        type: 'object', required: ['topic', 'subject', 'version', 'schema_id', 'pulsar_version'],
        properties: { topic: { type: 'string' }, subject: { type: 'string' }, version: { type: 'integer' }, schema_id: { type: 'integer' }, pulsar_version: { type: 'integer' } },
      },
    },
    namespaces: {
      type: 'array',
      items: {
        type: 'object', required: ['namespace', 'compatibility_strategy', 'schema_validation_enforced'],
        properties: { namespace: { type: 'string' }, compatibility_strategy: { type: 'string' }, schema_validation_enforced: { type: 'boolean', nullable: true } },
      },
    },
    topics: {
      type: 'array',
      description: 'Each contract topic as Pulsar treats it: a strategy set on the topic overrides its namespace\'s. '
        + 'A topic that does not exist yet has no policies of its own (exists: false).',
      items: {
        type: 'object', required: ['topic', 'exists', 'compatibility_strategy_override', 'compatibility_strategy', 'schema_validation_enforced'],
        properties: {
          topic: { type: 'string' },
          exists: { type: 'boolean' },
          compatibility_strategy_override: { type: 'string', nullable: true, description: 'The strategy set on the topic itself; null when it inherits' },
          compatibility_strategy: { type: 'string', nullable: true, description: 'The strategy the broker applies to the topic' },
          schema_validation_enforced: { type: 'boolean', nullable: true },
          error: { type: 'string', description: 'Why Pulsar could not describe the topic' },
        },
      },
    },
  },
} as const;

function present(d: DeploymentRecord) {
  return {
    id: d.id, environment: d.environment, dag_id: d.dagId, version: d.version, check_id: d.checkId, forced: d.forced,
    reason: d.reason, deployed_by: d.deployedBy, created_at: d.createdAt.toISOString(),
  };
}

function presentResult(result: DeployResult) {
  return {
    deployment: present(result.deployment),
    already_active: result.alreadyActive,
    pinned: result.pinned.map((p) => ({ topic: p.topic, subject: p.subject, version: p.version, schema_id: p.schemaId })),
    pushed: result.pushed.map((p) => ({ topic: p.topic, subject: p.subject, version: p.version, schema_id: p.schemaId, pulsar_version: p.pulsarVersion })),
    namespaces: result.namespaces.map((n) => ({ namespace: n.namespace, compatibility_strategy: n.compatibilityStrategy, schema_validation_enforced: n.schemaValidationEnforced })),
    topics: result.topics.map((t) => ({
      topic: t.topic, exists: t.exists, compatibility_strategy_override: t.strategyOverride, compatibility_strategy: t.appliedStrategy,
      schema_validation_enforced: t.schemaValidationEnforced, ...(t.error ? { error: t.error } : {}),
    })),
  };
}

export async function deploymentRoutes(fastify: FastifyInstance, deps: AppDeps) {
  const app = typed(fastify);
  const contracts = () => deps.services.contracts;

  app.post('/v1/deployments', {
    config: {
      scope: 'read',
      permit: (r) => {
        const b = r.body as { environment: string; force?: boolean };
        return [
          ...(b.force ? [{ permission: 'admin', because: 'force deploys past a failing check' }] : []),
          { permission: `deploy:${b.environment}`, because: `deploying to "${b.environment}"` },
        ];
      },
    },
    schema: {
      tags, summary: 'Activate a DAG version in an environment (needs a passing check, or force with a reason)',
      description: 'push_schemas registers the contract\'s produced (then consumed) schemas on their Pulsar topics so the broker ' +
        'enforces them; a refusal is 409 INCOMPATIBLE_SCHEMA and nothing is deployed. The response reports each namespace\'s ' +
        'schema compatibility strategy and schemaValidationEnforced.',
      body: {
        type: 'object', required: ['dag_id', 'version', 'environment'], additionalProperties: false,
        properties: {
          dag_id: dagIdParam, version: dagVersionParam, environment: environmentParam,
          force: { type: 'boolean', default: false }, reason: { type: 'string', maxLength: 2000 },
          push_schemas: { type: 'boolean', default: false },
        },
      } as const,
      response: {
        200: { ...deployResultView, description: 'The version was already active there: nothing was recorded' },
        201: deployResultView,
        ...nativeErrors(400, 401, 403, 404, 409, 415, 502, 503),
      },
    },
  }, async (request, reply) => {
    const b = request.body;
    const result = await contracts().deploy({
      dagId: b.dag_id, version: b.version, environment: b.environment, force: b.force, reason: b.reason, pushSchemas: b.push_schemas,
    }, request.principal);
    reply.status(result.alreadyActive ? 200 : 201);
    return presentResult(result);
  });

  app.post('/v1/deployments/batch', {
    config: {
      scope: 'read',
      permit: (r) => {
        const b = r.body as { environment: string; force?: boolean };
        return [
          ...(b.force ? [{ permission: 'admin', because: 'force deploys past a failing check or an impossible order' }] : []),
          { permission: `deploy:${b.environment}`, because: `deploying to "${b.environment}"` },
        ];
      },
    },
    schema: {
      tags, summary: 'Deploy several DAG versions as one change, in the order that keeps every intermediate state valid',
      description: 'Whatever order the versions are given in, they are deployed so that after each step every active consumer can read '
        + 'what every active producer writes (a consumer that reads the new schema before the producer that writes it; a producer whose '
        + 'new schema a new consumer needs before that consumer). 409 DEPLOY_ORDER_IMPOSSIBLE names the cycle when no order does, and '
        + 'nothing is deployed. Each version passes the same gate as POST /v1/deployments; `order` says the order used.',
      body: {
        type: 'object', required: ['versions', 'environment'], additionalProperties: false,
        properties: {
          versions: {
            type: 'array', minItems: 1, maxItems: 100,
            items: { type: 'object', required: ['dag_id', 'version'], additionalProperties: false, properties: { dag_id: dagIdParam, version: dagVersionParam } },
          },
          environment: environmentParam,
          force: { type: 'boolean', default: false }, reason: { type: 'string', maxLength: 2000 },
          push_schemas: { type: 'boolean', default: false },
        },
      } as const,
      response: {
        201: {
          type: 'object', required: ['order', 'constraints', 'results'],
          properties: {
            order: { type: 'array', items: { type: 'string' }, description: 'dag_id@version, in the order deployed' },
            constraints: {
              type: 'array', description: 'Why some versions had to go before others',
              items: {
                type: 'object', required: ['before', 'after', 'because'],
                properties: { before: { type: 'string' }, after: { type: 'string' }, because: { type: 'string' } },
              },
            },
            results: { type: 'array', items: deployResultView, description: 'One per version, in the order deployed' },
          },
        },
        ...nativeErrors(400, 401, 403, 404, 409, 415, 502, 503),
      },
    },
  }, async (request, reply) => {
    const b = request.body;
    const change = await contracts().deployChange({
      versions: b.versions.map((v) => ({ dagId: v.dag_id, version: v.version })), environment: b.environment,
      force: b.force, reason: b.reason, pushSchemas: b.push_schemas,
    }, request.principal);
    reply.status(201);
    return {
      order: change.order,
      constraints: change.constraints.map((c) => ({
        before: c.before, after: c.after,
        because: `${c.because.reader} cannot read what ${c.because.writer} writes on ${c.because.topic} (${c.because.issue})`,
      })),
      results: change.results.map(presentResult),
    };
  });

  app.get('/v1/deployments', {
    schema: {
      tags, summary: 'Deployment history, newest first',
      querystring: {
        type: 'object',
        properties: { environment: environmentParam, dag_id: dagIdParam, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      } as const,
      response: { 200: { type: 'object', required: ['deployments'], properties: { deployments: { type: 'array', items: deploymentView } } }, ...nativeErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const q = request.query;
    return { deployments: (await contracts().deployments({ environment: q.environment, dagId: q.dag_id, limit: q.limit })).map(present) };
  });

  app.get('/v1/environments/:environment/active', {
    schema: {
      tags, summary: 'The DAG versions active in an environment, with their contracts',
      params: { type: 'object', required: ['environment'], properties: { environment: environmentParam } } as const,
      response: {
        200: {
          type: 'object', required: ['environment', 'active'],
          properties: {
            environment: { type: 'string' },
            active: { type: 'array', items: { type: 'object', required: ['deployment', 'dag_version'], properties: { deployment: deploymentView, dag_version: dagVersionView } } },
          },
        },
        ...nativeErrors(400, 401, 403, 404),
      },
    },
  }, async (request) => {
    const { environment } = request.params;
    const active = await contracts().active(environment);
    return { environment, active: active.map((a) => ({ deployment: present(a.deployment), dag_version: presentDagVersion(a.dagVersion) })) };
  });

  app.delete('/v1/environments/:environment/active/:dag_id', {
    config: {
      scope: 'read',
      permit: (r) => {
        const { environment } = r.params as { environment: string };
        return [{ permission: `deploy:${environment}`, because: `undeploying from "${environment}"` }];
      },
    },
    schema: {
      tags, summary: 'Undeploy: the DAG has no active version in the environment afterwards (recorded in the history)',
      params: { type: 'object', required: ['environment', 'dag_id'], properties: { environment: environmentParam, dag_id: dagIdParam } } as const,
      querystring: { type: 'object', properties: { reason: { type: 'string', maxLength: 2000 } } } as const,
      response: { 200: deploymentView, ...nativeErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { environment, dag_id } = request.params;
    const { reason } = request.query;
    return present(await contracts().undeploy({ dagId: dag_id, environment, reason }, request.principal));
  });
}
