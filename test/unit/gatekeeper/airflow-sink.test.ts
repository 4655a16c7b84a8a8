// The Airflow sink's pure parts: the deterministic DAG run id (Airflow's charset and length), which
// DAGs go to Airflow and which to their trigger topic, the conf, and reading a JWT's expiry.
// The REST calls themselves are tested against the real Airflow (test/integration/airflow/).
import { describe, expect, it } from 'vitest';
import { DAG_RUN_ID_MAX, DAG_RUN_ID_PATTERN, jwtExpiry, type TriggerResult } from '../../../src/airflow/client.js';
import { dagRunConf, dagRunIdFor, forwardsToAirflow } from '../../../src/gatekeeper/airflow-sink.js';
import type { Decision } from '../../../src/core/gatekeeper/decide.js';
import { makeSinks } from '../../../src/gatekeeper/sinks.js';
import type { OutgoingMessage, Route, SourceMessage } from '../../../src/gatekeeper/types.js';

const TOPIC = 'persistent://public/default/orders';
const base = { environment: 'prod', sourceTopic: TOPIC, messageId: '12:34:-1:-1', dagId: 'orders_etl' };
const route = (dagId: string): Route => ({
  topic: TOPIC, dagId, dagVersion: 'v3', dagVersionId: 1, subject: 'orders-value', subjectVersion: 2,
  schemaId: 11, onMismatch: 'quarantine', triggerTopic: null, airflowVersionNumber: 4,
});
const message: SourceMessage = { topic: TOPIC, messageId: '12:34:-1:-1', payload: new Uint8Array([1]), properties: { a: 'b' }, redeliveryCount: 0, key: 'k', publishTime: new Date('2026-01-02T03:04:05Z') };
const accept = (dagId: string): Decision => ({ outcome: 'ACCEPT', dagId, route: route(dagId), writer: { via: 'pulsar', schemaId: 10 }, value: { id: 1 } });

describe('dagRunIdFor', () => {
  it('is the same for the same message and DAG, and allowed by Airflow', () => {
    const id = dagRunIdFor(base);
    expect(dagRunIdFor({ ...base })).toBe(id);
    expect(id).toMatch(DAG_RUN_ID_PATTERN);
    expect(id).toMatch(/^dagpact__prod__12:34:-1:-1__[0-9a-f]{32}$/);
  });

  it.each([
    ['environment', { environment: 'staging' }],
    ['source topic', { sourceTopic: 'persistent://public/default/orders-partition-1' }],
    ['message id', { messageId: '12:35:-1:-1' }],
    ['DAG', { dagId: 'fraud' }],
  ])('differs when the %s differs', (_name, change) => {
    expect(dagRunIdFor({ ...base, ...change })).not.toBe(dagRunIdFor(base));
  });

  it('stays within Airflow charset and length whatever the environment and message id hold', () => {
    const id = dagRunIdFor({ environment: 'prod eu/west ✓'.repeat(20), sourceTopic: TOPIC, messageId: 'x/y z'.repeat(100), dagId: 'd' });
    expect(id).toMatch(DAG_RUN_ID_PATTERN);
    expect(id.length).toBeLessThanOrEqual(DAG_RUN_ID_MAX);
    // The hash survives the truncation of the readable parts: two messages with a long common prefix differ.
    const a = dagRunIdFor({ ...base, messageId: `${'m'.repeat(200)}a` });
    const b = dagRunIdFor({ ...base, messageId: `${'m'.repeat(200)}b` });
    expect(a).not.toBe(b);
  });
});

describe('forwardsToAirflow', () => {
  it.each([
    [{ forwardTo: 'topic' as const }, 'orders_etl', undefined, false],
    [{ forwardTo: 'airflow' as const }, 'orders_etl', undefined, true],
    [{ forwardTo: 'airflow' as const, airflowDags: ['fraud'] }, 'orders_etl', undefined, false],
    [{ forwardTo: 'airflow' as const, airflowDags: ['fraud', 'orders_etl'] }, 'orders_etl', undefined, true],
    // The binding's forward_to (from its manifest) wins over the gatekeeper's setting, both ways.
    [{ forwardTo: 'topic' as const }, 'orders_etl', 'airflow' as const, true],
    [{ forwardTo: 'airflow' as const }, 'orders_etl', 'topic' as const, false],
    [{ forwardTo: 'airflow' as const, airflowDags: ['fraud'] }, 'orders_etl', 'airflow' as const, true],
  ])('%j sends %s (binding forward_to %s) to Airflow: %s', (target, dagId, forwardTo, expected) => {
    expect(forwardsToAirflow({ dagId, ...(forwardTo ? { forwardTo } : {}) }, target)).toBe(expected);
  });
});

describe('sinks.forward with an Airflow target', () => {
  function sinks(airflowDags?: string[]) {
    const sent: Array<{ topic: string; message: OutgoingMessage }> = [];
    const triggered: Array<{ dagId: string; dagRunId: string; conf: Record<string, unknown> }> = [];
    const s = makeSinks({
      publisher: { send: async (topic, m) => { sent.push({ topic, message: m }); return { messageId: '9:9:-1:-1' }; }, close: async () => undefined },
      store: {} as never,
      airflow: { triggerDagRun: async (args): Promise<TriggerResult> => { triggered.push(args); return { dagRunId: args.dagRunId, created: true }; } },
      config: { environment: 'prod', triggerTopicPattern: 'persistent://public/default/trigger-{dag_id}', quarantineTopic: 'q', deadLetterTopic: 'd', forwardTo: 'airflow', ...(airflowDags ? { airflowDags } : {}) },
    });
    return { s, sent, triggered };
  }

  it('triggers listed DAGs in Airflow and forwards the others to their trigger topic', async () => {
    const { s, sent, triggered } = sinks(['fraud']);
    expect(await s.forward(message, accept('fraud'))).toBe(dagRunIdFor({ ...base, dagId: 'fraud' }));
    expect(await s.forward(message, accept('orders_etl'))).toBe('9:9:-1:-1');
    expect(triggered.map((t) => t.dagId)).toEqual(['fraud']);
    expect(sent.map((m) => m.topic)).toEqual(['persistent://public/default/trigger-orders_etl']);
  });

  it('needs an Airflow client when DAGs go to Airflow', () => {
    expect(() => makeSinks({ publisher: {} as never, store: {} as never, config: { environment: 'e', triggerTopicPattern: '{dag_id}', quarantineTopic: 'q', deadLetterTopic: 'd', forwardTo: 'airflow' } }))
      .toThrow(/needs an Airflow client/);
  });
});

describe('dagRunConf', () => {
  it('carries the message as the DAG reads it and its provenance', () => {
    expect(dagRunConf({ message, route: route('fraud'), decision: accept('fraud'), environment: 'prod' })).toEqual({
      message: { id: 1 },
      dagpact: {
        environment: 'prod', source_topic: TOPIC, message_id: '12:34:-1:-1', key: 'k', publish_time: '2026-01-02T03:04:05.000Z', event_time: null,
        properties: { a: 'b' }, dag_id: 'fraud', dag_version: 'v3', airflow_version_number: 4, contract_subject: 'orders-value', contract_version: 2,
        reader_schema_id: 11, writer_schema_id: 10, identified_by: 'pulsar', deployed_by: null,
      },
    });
  });
});

describe('jwtExpiry', () => {
  const jwt = (payload: object) => `eyJhbGciOiJIUzUxMiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
  it.each([
    ['a JWT with exp', jwt({ sub: 'x', exp: 1_800_000_000 }), 1_800_000_000],
    ['a JWT without exp', jwt({ sub: 'x' }), undefined],
    ['not a JWT', 'opaque-token', undefined],
    ['a broken payload', 'a.b%%.c', undefined],
  ])('%s', (_name, token, expected) => {
    expect(jwtExpiry(token)).toBe(expected);
  });
});
