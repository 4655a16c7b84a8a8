// stop() while the routing refresh is inside subscribe(): the consumer that subscription yields must
// be closed (not left receiving after shutdown), whether the refresh is start()'s first one or a
// later one from the refresh timer; and stop() waits for that refresh.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { makeGatekeeper } from '../../../src/gatekeeper/gatekeeper.js';
import type { ProcessDeps } from '../../../src/gatekeeper/process-message.js';
import type { ConsumerFactory, RoutingSource, TopicConsumer } from '../../../src/gatekeeper/types.js';

const log = pino({ level: 'silent' });
const process = { resolver: {}, sinks: {}, poisonRedeliveries: 10 } as unknown as ProcessDeps;

function idleConsumer(topic: string) {
  const state = { closed: false, received: 0 };
  let closed!: () => void;
  const whenClosed = new Promise<undefined>((r) => { closed = () => r(undefined); });
  const consumer: TopicConsumer = {
    topic,
    receive: () => whenClosed,
    async ack() {},
    nack() {},
    async close() { state.closed = true; closed(); },
  };
  return { consumer, state };
}

/** A factory whose subscribe() waits until released; remembers every consumer it handed out. */
function gatedFactory() {
  const made: Array<ReturnType<typeof idleConsumer>> = [];
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const inside = new Promise<void>((r) => { entered = r; });
  const factory: ConsumerFactory = {
    async subscribe({ topic }) {
      entered();
      await gate;
      const c = idleConsumer(topic);
      made.push(c);
      return c.consumer;
    },
  };
  return { factory, made, release, inside };
}

describe('gatekeeper stop() during a refresh', () => {
  it('closes a consumer subscribed by start() after stop() began', async () => {
    const { factory, made, release, inside } = gatedFactory();
    const routing: RoutingSource = { routingTable: async () => ({ marker: 'm', routes: [] }) };
    const gk = makeGatekeeper({
      environment: 'test', routing, consumers: factory, process, subscription: 's', topics: ['t1'],
      refreshMs: 60_000, concurrency: 1, normalizeTopic: (t) => t, log,
    });
    const started = gk.start();
    await inside;
    let stopped = false;
    const stopping = gk.stop().then(() => { stopped = true; });
    // One macrotask: a stop() that did not wait for the refresh would have settled by then.
    await new Promise((r) => setImmediate(r));
    expect(stopped, 'stop() waits for the refresh in flight').toBe(false);
    release();
    await stopping;
    await started;
    expect(made).toHaveLength(1);
    expect(made[0]!.state.closed).toBe(true);
    expect(gk.status().topics).toEqual([]);
  });

  it('closes a consumer subscribed by a timer refresh after stop() began', async () => {
    const { factory, made, release, inside } = gatedFactory();
    let calls = 0;
    // The first table has no topics; the second (timer) one brings t2 and its subscribe() hangs.
    const routing: RoutingSource = {
      routingTable: async () => (++calls === 1 ? { marker: 'a', routes: [] } : {
        marker: 'b',
        routes: [{ topic: 't2', dagId: 'd', dagVersion: 'v1', dagVersionId: 1, subject: 's', subjectVersion: 1, schemaId: 1, onMismatch: 'quarantine', triggerTopic: null }],
      }),
    };
    const gk = makeGatekeeper({
      environment: 'test', routing, consumers: factory, process, subscription: 's',
      refreshMs: 10, concurrency: 1, normalizeTopic: (t) => t, log,
    });
    await gk.start();
    await inside;
    const stopping = gk.stop();
    release();
    await stopping;
    expect(made).toHaveLength(1);
    expect(made[0]!.state.closed).toBe(true);
    expect(gk.status().topics).toEqual([]);
  });
});
