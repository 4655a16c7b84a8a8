// The API server's way to Pulsar for quarantine replay: a transport opened on first use (so the
// server starts, and serves everything else, while the broker is down) and opened again after a
// failure. Replays then fail with a retriable 503 naming the broker, never a crash. The Pulsar client's
// modules are loaded then too: a server that never replays never loads them (docs/adr/0021).
import type { Logger } from 'pino';
import type { ClientOptions } from '../pulsar/index.js';
import type { PulsarTransport } from '../gatekeeper/adapters/pulsar.js';
import type { Forwarder } from '../gatekeeper/adapters/replayer.js';
import type { DagTrigger, ForwardTarget } from '../gatekeeper/airflow-sink.js';
import type { AirflowDagStates } from '../gatekeeper/resolver.js';

export function makeLazyForwarder(args: {
  serviceUrl: string; token?: ClientOptions['token']; triggerTopicPattern: string; log: Logger;
  /** The DAGs whose replays trigger an Airflow DAG run instead of a trigger-topic message. */
  target?: ForwardTarget; airflow?: DagTrigger;
  /** What Airflow runs per DAG (replays to Airflow are held while it is not the active contract's version). */
  airflowDags?: AirflowDagStates;
}): { forwarder: Forwarder; close(): Promise<void> } {
  let transport: Promise<PulsarTransport> | undefined;
  const open = (): Promise<PulsarTransport> => {
    if (!transport) {
      const opening = import('../gatekeeper/adapters/pulsar.js')
        .then(({ openPulsarTransport }) => openPulsarTransport({ serviceUrl: args.serviceUrl, token: args.token, log: args.log }));
      transport = opening;
      opening.catch(() => { if (transport === opening) transport = undefined; });
    }
    return transport;
  };
  return {
    forwarder: {
      triggerTopicPattern: args.triggerTopicPattern,
      ...(args.target ? { target: args.target } : {}),
      ...(args.airflow ? { airflow: args.airflow } : {}),
      ...(args.airflowDags ? { airflowDags: args.airflowDags } : {}),
      publisher: {
        send: async (topic, message) => (await open()).publisher.send(topic, message),
        close: async () => undefined,
      },
      brokerSchemas: {
        getSchema: async (topic, version) => (await open()).brokerSchemas.getSchema(topic, version),
      },
    },
    async close() {
      const current = transport;
      transport = undefined;
      if (current) await (await current.catch(() => undefined))?.close();
    },
  };
}
