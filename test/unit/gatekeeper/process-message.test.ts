// The poison threshold counts only failures about the message: past `poisonRedeliveries` a transient
// failure (broker or database unavailable) is still thrown (→ nack, redelivered after the outage), a
// permanent one is held as PROCESSING_FAILED. Pulsar client errors go through the adapter's translate().
import { describe, expect, it } from 'vitest';
import { DagpactError, errors } from '../../../src/core/errors.js';
import { translate } from '../../../src/gatekeeper/adapters/pulsar.js';
import type { Decision } from '../../../src/core/gatekeeper/decide.js';
import { processMessage, type ProcessDeps } from '../../../src/gatekeeper/process-message.js';
import type { Route, SourceMessage } from '../../../src/gatekeeper/types.js';
import { PulsarClientError } from '../../../src/pulsar/index.js';
import { translateDbError } from '../../../src/store/db-errors.js';

const TOPIC = 'persistent://public/default/orders';
const route: Route = {
  topic: TOPIC, dagId: 'orders_etl', dagVersion: 'v1', dagVersionId: 1, subject: 'orders-value', subjectVersion: 1,
  schemaId: 1, onMismatch: 'quarantine', triggerTopic: null,
};
const LIMIT = 3;
const message = (redeliveryCount: number): SourceMessage => ({ topic: TOPIC, messageId: '1:2:-1:-1', payload: new Uint8Array([1]), properties: {}, redeliveryCount });

/** A valid message (ACCEPT) whose forward fails with `error`; holds are recorded. */
function deps(error: unknown) {
  const held: Decision[] = [];
  const process: ProcessDeps = {
    resolver: {
      resolveAndDecideNow: async () => ({ decisions: [{ outcome: 'ACCEPT', dagId: route.dagId, route, writer: { via: 'none' } }], pulsarWriter: undefined }),
    } as unknown as ProcessDeps['resolver'],
    sinks: {
      forward: async () => { throw error; },
      hold: async (_m: SourceMessage, d: Decision) => { held.push(d); return 1; },
    } as unknown as ProcessDeps['sinks'],
    poisonRedeliveries: LIMIT,
  };
  return { process, held };
}

const pulsar = (code: ConstructorParameters<typeof PulsarClientError>[0], retriable?: boolean) =>
  translate(new PulsarClientError(code, `${code} from the broker`, retriable === undefined ? undefined : { retriable }), 'publishing to trigger-orders_etl');
const withCode = (text: string, code: string) => Object.assign(new Error(text), { code });

describe('processMessage poison threshold', () => {
  it.each([
    ['trigger topic unavailable (Pulsar TIMEOUT)', pulsar('TIMEOUT')],
    ['broker not ready (retriable BROKER_ERROR)', pulsar('BROKER_ERROR', true)],
    ['Pulsar connection closed', pulsar('CONNECTION_CLOSED')],
    ['database unavailable', errors.databaseUnavailable()],
    ['pg connection refused (translated by the store) inside a drizzle error',
      new Error('Failed query: insert ...', { cause: translateDbError(withCode('connect ECONNREFUSED', 'ECONNREFUSED')) })],
  ])('transient: %s → thrown (nacked) even far past the limit, never held', async (_name, error) => {
    for (const count of [LIMIT - 1, LIMIT, LIMIT + 1, 1_000]) {
      const { process, held } = deps(error);
      await expect(processMessage(process, message(count), [route])).rejects.toBe(error);
      expect(held).toEqual([]);
    }
  });

  it.each([
    ['Pulsar refuses for good (AUTHORIZATION_FAILED)', pulsar('AUTHORIZATION_FAILED'), 'UPSTREAM_REJECTED'],
    ['trigger topic does not exist (TOPIC_NOT_FOUND)', pulsar('TOPIC_NOT_FOUND'), 'UPSTREAM_REJECTED'],
    ['schema refused (INCOMPATIBLE_SCHEMA)', pulsar('INCOMPATIBLE_SCHEMA'), 'UPSTREAM_REJECTED'],
    ['a non-Pulsar error from the client', translate(new Error('LZ4 block decoded to 3 bytes'), 'publishing'), 'UPSTREAM_REJECTED'],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'dagId')"), undefined],
  ])('permanent: %s → nacked below the limit, held as PROCESSING_FAILED from it', async (_name, error, code) => {
    if (code) expect((error as DagpactError).code).toBe(code);
    const below = deps(error);
    await expect(processMessage(below.process, message(LIMIT - 1), [route])).rejects.toBe(error);
    expect(below.held).toEqual([]);

    const at = deps(error);
    const result = await processMessage(at.process, message(LIMIT), [route]);
    expect(result.poison).toBe(true);
    expect(at.held.map((d) => ({ outcome: d.outcome, dagId: d.dagId, reasonCode: d.reasonCode }))).toEqual([
      { outcome: 'QUARANTINE', dagId: 'orders_etl', reasonCode: 'PROCESSING_FAILED' },
    ]);
    expect(at.held[0]!.reason).toContain((error as Error).message);
  });

  it('translate(): only retriable Pulsar errors and socket errors are retriable', () => {
    expect(pulsar('TIMEOUT')).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retriable: true });
    expect(pulsar('BROKER_ERROR', false)).toMatchObject({ code: 'UPSTREAM_REJECTED', retriable: false });
    expect(translate(withCode('read ECONNRESET', 'ECONNRESET'), 'x')).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retriable: true });
    const already = errors.databaseUnavailable();
    expect(translate(already, 'x')).toBe(already);
  });
});
