// Adapts the Pulsar binary-protocol client (src/pulsar/, being written concurrently) to the narrow
// interfaces the gatekeeper uses: ConsumerFactory (Shared subscriptions, receive/ack/nack, redelivery
// count, schema version), Publisher (a producer per topic, resolving on SEND_RECEIPT) and
// BrokerSchemaSource (GET_SCHEMA). Until that client lands, opening the transport fails clearly.
import type { Logger } from 'pino';
import { DagpactError } from '../../core/errors.js';
import type { BrokerSchemaSource, ConsumerFactory, Publisher } from '../types.js';

export interface PulsarTransport {
  consumers: ConsumerFactory;
  publisher: Publisher;
  brokerSchemas: BrokerSchemaSource;
  close(): Promise<void>;
}

export async function openPulsarTransport(args: { serviceUrl: string; token?: string; log: Logger }): Promise<PulsarTransport> {
  void args;
  throw new DagpactError('NOT_READY',
    'the Pulsar binary-protocol client (src/pulsar/) is not in this build yet; the gatekeeper cannot connect to Pulsar');
}
