// What the broker says now (docs/adr/0017): drift of each active contract against the topics' current
// schemas on Pulsar, and the gatekeeper subscription's backlog. Both are read through Pulsar's admin API
// and cached by the core for DAGPACT_PULSAR_LIVE_CACHE_SECONDS; without PULSAR_ADMIN_URL they answer
// checked: false with the reason.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { nativeErrors } from '../shared-schemas.js';

const finding = { type: 'object', required: ['path', 'rule', 'message'], properties: { path: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } } };
const notChecked = {
  checked: { type: 'boolean', description: 'false when the server has no Pulsar admin API configured (PULSAR_ADMIN_URL): nothing was read' },
  reason: { type: 'string', description: 'Why nothing was checked' },
  checked_at: { type: 'string', format: 'date-time', description: 'When the broker was read (answers are reused for DAGPACT_PULSAR_LIVE_CACHE_SECONDS)' },
};

export async function livePulsarRoutes(app: FastifyInstance, deps: AppDeps) {
  const live = () => deps.services.live;

  app.get('/v1/contracts/drift', {
    schema: {
      tags: ['deployments'],
      summary: "Drift against Pulsar: can each active DAG version's contract still read the schema on each topic it consumes, as the broker holds it now?",
      description: 'One cell per environment × active DAG version. A topic is `drift` when the reader schema of the contract cannot read the '
        + "topic's latest schema on the broker (the findings say why), `no_schema` when the topic has none, `error` when it could not be read. "
        + 'Cached briefly (DAGPACT_PULSAR_LIVE_CACHE_SECONDS, default 30).',
      response: {
        200: {
          type: 'object', required: ['checked', 'checked_at', 'cells'],
          properties: {
            ...notChecked,
            cells: {
              type: 'array',
              items: {
                type: 'object', required: ['environment', 'dag_id', 'version', 'status', 'topics'],
                properties: {
                  environment: { type: 'string' }, dag_id: { type: 'string' }, version: { type: 'string' },
                  status: { type: 'string', enum: ['ok', 'drift', 'error'] },
                  topics: {
                    type: 'array',
                    items: {
                      type: 'object', required: ['topic', 'subject', 'version', 'status', 'findings'],
                      properties: {
                        topic: { type: 'string' }, subject: { type: 'string' }, version: { type: 'integer', nullable: true },
                        status: { type: 'string', enum: ['ok', 'drift', 'no_schema', 'error'] },
                        pulsar_version: { type: 'integer', description: "The broker's version of the topic's schema that was compared" },
                        findings: { type: 'array', items: finding }, error: { type: 'string' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        ...nativeErrors(401, 403),
      },
    },
  }, async () => {
    const r = await live().drift();
    return {
      checked: r.checked, ...(r.reason ? { reason: r.reason } : {}), checked_at: r.checkedAt.toISOString(),
      cells: r.cells.map((c) => ({
        environment: c.environment, dag_id: c.dagId, version: c.version, status: c.status,
        topics: c.topics.map((t) => ({
          topic: t.topic, subject: t.subject, version: t.version, status: t.status, findings: t.findings,
          ...(t.pulsarVersion !== undefined ? { pulsar_version: t.pulsarVersion } : {}), ...(t.error ? { error: t.error } : {}),
        })),
      })),
    };
  });

  app.get('/v1/gatekeeper/backlog', {
    schema: {
      tags: ['health'],
      summary: "The gatekeeper's lag: its subscription's backlog on every topic an active DAG version consumes (Pulsar topic stats)",
      description: 'Read from the broker, so it is known while the gatekeeper is stopped. `oldest_unacked_seconds` is the age of the oldest '
        + 'unacknowledged message where the broker reports it (Pulsar 2.11+). The subscription is DAGPACT_GATEKEEPER_SUBSCRIPTION '
        + '(default dagpact-gatekeeper). Cached briefly (DAGPACT_PULSAR_LIVE_CACHE_SECONDS).',
      response: {
        200: {
          type: 'object', required: ['checked', 'checked_at', 'subscription', 'total_backlog', 'topics'],
          properties: {
            ...notChecked,
            subscription: { type: 'string' },
            total_backlog: { type: 'integer', description: 'Messages not yet acknowledged by the subscription, over all topics' },
            oldest_unacked_seconds: { type: 'integer' },
            topics: {
              type: 'array',
              items: {
                type: 'object', required: ['topic', 'environments', 'exists', 'subscribed', 'msg_backlog', 'unacked', 'consumers'],
                properties: {
                  topic: { type: 'string' }, environments: { type: 'array', items: { type: 'string' } },
                  exists: { type: 'boolean', description: 'The topic exists on the broker' },
                  subscribed: { type: 'boolean', description: 'The gatekeeper subscription exists on the topic' },
                  msg_backlog: { type: 'integer' }, unacked: { type: 'integer' }, consumers: { type: 'integer' },
                  oldest_unacked_at: { type: 'string', format: 'date-time' }, error: { type: 'string' },
                },
              },
            },
          },
        },
        ...nativeErrors(401, 403),
      },
    },
  }, async () => {
    const r = await live().backlog();
    return {
      checked: r.checked, ...(r.reason ? { reason: r.reason } : {}), checked_at: r.checkedAt.toISOString(),
      subscription: r.subscription, total_backlog: r.totalBacklog,
      ...(r.oldestUnackedSeconds !== undefined ? { oldest_unacked_seconds: r.oldestUnackedSeconds } : {}),
      topics: r.topics.map((t) => ({
        topic: t.topic, environments: t.environments, exists: t.exists, subscribed: t.subscribed,
        msg_backlog: t.msgBacklog, unacked: t.unacked, consumers: t.consumers,
        ...(t.oldestUnackedAt ? { oldest_unacked_at: t.oldestUnackedAt.toISOString() } : {}), ...(t.error ? { error: t.error } : {}),
      })),
    };
  });
}
