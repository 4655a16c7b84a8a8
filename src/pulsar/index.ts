// dagpact's Pulsar binary-protocol client: the public surface.
export { PulsarClient, fullTopicName, partitionTopic, schemaVersionBytes, schemaVersionNumber } from './client.js';
export { Producer } from './producer.js';
export { Consumer } from './consumer.js';
export { messageIdToString, parseMessageId, compareMessageIds } from './message-id.js';
export {
  PulsarClientError,
  type ClientOptions, type CompressionType, type ConsumerOptions, type InitialPosition, type Message, type MessageId,
  type OutgoingMessage, type ProducerOptions, type ProducerSchema, type PulsarErrorCode, type SchemaInfo, type SubscriptionType,
} from './types.js';
