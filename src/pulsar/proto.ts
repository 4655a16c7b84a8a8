// The subset of Pulsar's wire protocol (PulsarApi.proto, proto2) dagpact speaks, written from the
// documented field numbers and parsed at load time with protobufjs' reflection API (no codegen).
// Field names keep their snake_case spelling (keepCase) so they read like the protocol's own.
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto2";
package pulsar.proto;

message Schema {
  enum Type { None = 0; String = 1; Json = 2; Protobuf = 3; Avro = 4; Bool = 5; Int8 = 6; Int16 = 7;
    Int32 = 8; Int64 = 9; Float = 10; Double = 11; Date = 12; Time = 13; Timestamp = 14; KeyValue = 15;
    Instant = 16; LocalDate = 17; LocalTime = 18; LocalDateTime = 19; ProtobufNative = 20; AutoConsume = 21; }
  required string name = 1;
  required bytes schema_data = 3;
  required Type type = 4;
  repeated KeyValue properties = 5;
}
message MessageIdData {
  required uint64 ledgerId = 1;
  required uint64 entryId = 2;
  optional int32 partition = 3 [default = -1];
  optional int32 batch_index = 4 [default = -1];
  repeated int64 ack_set = 5;
  optional int32 batch_size = 6;
}
message KeyValue { required string key = 1; required string value = 2; }
message KeyLongValue { required string key = 1; required uint64 value = 2; }
message IntRange { required int32 start = 1; required int32 end = 2; }
enum CompressionType { NONE = 0; LZ4 = 1; ZLIB = 2; ZSTD = 3; SNAPPY = 4; }
message MessageMetadata {
  required string producer_name = 1;
  required uint64 sequence_id = 2;
  required uint64 publish_time = 3;
  repeated KeyValue properties = 4;
  optional string replicated_from = 5;
  optional string partition_key = 6;
  repeated string replicate_to = 7;
  optional CompressionType compression = 8 [default = NONE];
  optional uint32 uncompressed_size = 9 [default = 0];
  optional int32 num_messages_in_batch = 11 [default = 1];
  optional uint64 event_time = 12 [default = 0];
  optional bytes schema_version = 16;
  optional bool partition_key_b64_encoded = 17 [default = false];
  optional bytes ordering_key = 18;
  optional int64 deliver_at_time = 19;
  optional int32 marker_type = 20;
  optional uint64 highest_sequence_id = 24 [default = 0];
  optional bool null_value = 25 [default = false];
  optional string uuid = 26;
  optional int32 num_chunks_from_msg = 27;
  optional int32 total_chunk_msg_size = 28;
  optional int32 chunk_id = 29;
  optional bool null_partition_key = 30 [default = false];
}
message SingleMessageMetadata {
  repeated KeyValue properties = 1;
  optional string partition_key = 2;
  required int32 payload_size = 3;
  optional bool compacted_out = 4 [default = false];
  optional uint64 event_time = 5 [default = 0];
  optional bool partition_key_b64_encoded = 6 [default = false];
  optional bytes ordering_key = 7;
  optional uint64 sequence_id = 8;
  optional bool null_value = 9 [default = false];
  optional bool null_partition_key = 10 [default = false];
}
enum ServerError {
  UnknownError = 0; MetadataError = 1; PersistenceError = 2; AuthenticationError = 3; AuthorizationError = 4;
  ConsumerBusy = 5; ServiceNotReady = 6; ProducerBlockedQuotaExceededError = 7;
  ProducerBlockedQuotaExceededException = 8; ChecksumError = 9; UnsupportedVersionError = 10;
  TopicNotFound = 11; SubscriptionNotFound = 12; ConsumerNotFound = 13; TooManyRequests = 14;
  TopicTerminatedError = 15; ProducerBusy = 16; InvalidTopicName = 17; IncompatibleSchema = 18;
  ConsumerAssignError = 19; TransactionCoordinatorNotFound = 20; InvalidTxnStatus = 21; NotAllowedError = 22;
  TransactionConflict = 23; TransactionNotFound = 24; ProducerFenced = 25;
}
message FeatureFlags {
  optional bool supports_auth_refresh = 1 [default = false];
  optional bool supports_broker_entry_metadata = 2 [default = false];
  optional bool supports_partial_producer = 3 [default = false];
  optional bool supports_topic_watchers = 4 [default = false];
}
message AuthData { optional string auth_method_name = 1; optional bytes auth_data = 2; }
message CommandConnect {
  required string client_version = 1;
  optional string auth_method_name = 5;
  optional bytes auth_data = 3;
  optional int32 protocol_version = 4 [default = 0];
  optional string proxy_to_broker_url = 6;
  optional FeatureFlags feature_flags = 10;
}
message CommandConnected {
  required string server_version = 1;
  optional int32 protocol_version = 2 [default = 0];
  optional int32 max_message_size = 3;
  optional FeatureFlags feature_flags = 4;
}
message CommandAuthResponse {
  optional string client_version = 1;
  optional AuthData response = 2;
  optional int32 protocol_version = 3 [default = 0];
}
message CommandAuthChallenge {
  optional string server_version = 1;
  optional AuthData challenge = 2;
  optional int32 protocol_version = 3 [default = 0];
}
enum KeySharedMode { AUTO_SPLIT = 0; STICKY = 1; }
message KeySharedMeta {
  required KeySharedMode keySharedMode = 1;
  repeated IntRange hashRanges = 3;
  optional bool allowOutOfOrderDelivery = 4 [default = false];
}
message CommandSubscribe {
  enum SubType { Exclusive = 0; Shared = 1; Failover = 2; Key_Shared = 3; }
  enum InitialPosition { Latest = 0; Earliest = 1; }
  required string topic = 1;
  required string subscription = 2;
  required SubType subType = 3;
  required uint64 consumer_id = 4;
  required uint64 request_id = 5;
  optional string consumer_name = 6;
  optional int32 priority_level = 7;
  optional bool durable = 8 [default = true];
  repeated KeyValue metadata = 10;
  optional bool read_compacted = 11;
  optional Schema schema = 12;
  optional InitialPosition initialPosition = 13 [default = Latest];
  optional bool replicate_subscription_state = 14;
  optional bool force_topic_creation = 15 [default = true];
  optional KeySharedMeta keySharedMeta = 17;
}
message CommandPartitionedTopicMetadata {
  required string topic = 1;
  required uint64 request_id = 2;
}
message CommandPartitionedTopicMetadataResponse {
  enum LookupType { Success = 0; Failed = 1; }
  optional uint32 partitions = 1;
  required uint64 request_id = 2;
  optional LookupType response = 3;
  optional ServerError error = 4;
  optional string message = 5;
}
message CommandLookupTopic {
  required string topic = 1;
  required uint64 request_id = 2;
  optional bool authoritative = 3 [default = false];
}
message CommandLookupTopicResponse {
  enum LookupType { Redirect = 0; Connect = 1; Failed = 2; }
  optional string brokerServiceUrl = 1;
  optional string brokerServiceUrlTls = 2;
  optional LookupType response = 3;
  required uint64 request_id = 4;
  optional bool authoritative = 5 [default = false];
  optional ServerError error = 6;
  optional string message = 7;
  optional bool proxy_through_service_url = 8 [default = false];
}
message CommandProducer {
  required string topic = 1;
  required uint64 producer_id = 2;
  required uint64 request_id = 3;
  optional string producer_name = 4;
  optional bool encrypted = 5 [default = false];
  repeated KeyValue metadata = 6;
  optional Schema schema = 7;
  optional uint64 epoch = 8 [default = 0];
  optional bool user_provided_producer_name = 9 [default = true];
}
message CommandSend {
  required uint64 producer_id = 1;
  required uint64 sequence_id = 2;
  optional int32 num_messages = 3 [default = 1];
  optional uint64 highest_sequence_id = 6 [default = 0];
}
message CommandSendReceipt {
  required uint64 producer_id = 1;
  required uint64 sequence_id = 2;
  optional MessageIdData message_id = 3;
  optional uint64 highest_sequence_id = 4 [default = 0];
}
message CommandSendError {
  required uint64 producer_id = 1;
  required uint64 sequence_id = 2;
  required ServerError error = 3;
  required string message = 4;
}
message CommandMessage {
  required uint64 consumer_id = 1;
  required MessageIdData message_id = 2;
  optional uint32 redelivery_count = 3 [default = 0];
  repeated int64 ack_set = 4;
  optional uint64 consumer_epoch = 5;
}
message CommandAck {
  enum AckType { Individual = 0; Cumulative = 1; }
  required uint64 consumer_id = 1;
  required AckType ack_type = 2;
  repeated MessageIdData message_id = 3;
  optional uint64 request_id = 8;
}
message CommandAckResponse {
  required uint64 consumer_id = 1;
  optional ServerError error = 4;
  optional string message = 5;
  optional uint64 request_id = 6;
}
message CommandActiveConsumerChange { required uint64 consumer_id = 1; optional bool is_active = 2 [default = false]; }
message CommandFlow { required uint64 consumer_id = 1; required uint32 messagePermits = 2; }
message CommandReachedEndOfTopic { required uint64 consumer_id = 1; }
message CommandCloseProducer {
  required uint64 producer_id = 1;
  required uint64 request_id = 2;
  optional string assignedBrokerServiceUrl = 3;
  optional string assignedBrokerServiceUrlTls = 4;
}
message CommandCloseConsumer {
  required uint64 consumer_id = 1;
  required uint64 request_id = 2;
  optional string assignedBrokerServiceUrl = 3;
  optional string assignedBrokerServiceUrlTls = 4;
}
message CommandRedeliverUnacknowledgedMessages {
  required uint64 consumer_id = 1;
  repeated MessageIdData message_ids = 2;
  optional uint64 consumer_epoch = 3;
}
message CommandSuccess { required uint64 request_id = 1; optional Schema schema = 2; }
message CommandProducerSuccess {
  required uint64 request_id = 1;
  required string producer_name = 2;
  optional int64 last_sequence_id = 3 [default = -1];
  optional bytes schema_version = 4;
  optional uint64 topic_epoch = 5;
  optional bool producer_ready = 6 [default = true];
}
message CommandError { required uint64 request_id = 1; required ServerError error = 2; required string message = 3; }
message CommandPing {}
message CommandPong {}
message CommandGetSchema {
  required uint64 request_id = 1;
  required string topic = 2;
  optional bytes schema_version = 3;
}
message CommandGetSchemaResponse {
  required uint64 request_id = 1;
  optional ServerError error_code = 2;
  optional string error_message = 3;
  optional Schema schema = 4;
  optional bytes schema_version = 5;
}
message BaseCommand {
  enum Type {
    CONNECT = 2; CONNECTED = 3; SUBSCRIBE = 4; PRODUCER = 5; SEND = 6; SEND_RECEIPT = 7; SEND_ERROR = 8;
    MESSAGE = 9; ACK = 10; FLOW = 11; UNSUBSCRIBE = 12; SUCCESS = 13; ERROR = 14; CLOSE_PRODUCER = 15;
    CLOSE_CONSUMER = 16; PRODUCER_SUCCESS = 17; PING = 18; PONG = 19; REDELIVER_UNACKNOWLEDGED_MESSAGES = 20;
    PARTITIONED_METADATA = 21; PARTITIONED_METADATA_RESPONSE = 22; LOOKUP = 23; LOOKUP_RESPONSE = 24;
    CONSUMER_STATS = 25; CONSUMER_STATS_RESPONSE = 26; REACHED_END_OF_TOPIC = 27; SEEK = 28;
    GET_LAST_MESSAGE_ID = 29; GET_LAST_MESSAGE_ID_RESPONSE = 30; ACTIVE_CONSUMER_CHANGE = 31;
    GET_TOPICS_OF_NAMESPACE = 32; GET_TOPICS_OF_NAMESPACE_RESPONSE = 33; GET_SCHEMA = 34;
    GET_SCHEMA_RESPONSE = 35; AUTH_CHALLENGE = 36; AUTH_RESPONSE = 37; ACK_RESPONSE = 38;
    GET_OR_CREATE_SCHEMA = 39; GET_OR_CREATE_SCHEMA_RESPONSE = 40;
  }
  required Type type = 1;
  optional CommandConnect connect = 2;
  optional CommandConnected connected = 3;
  optional CommandSubscribe subscribe = 4;
  optional CommandProducer producer = 5;
  optional CommandSend send = 6;
  optional CommandSendReceipt send_receipt = 7;
  optional CommandSendError send_error = 8;
  optional CommandMessage message = 9;
  optional CommandAck ack = 10;
  optional CommandFlow flow = 11;
  optional CommandSuccess success = 13;
  optional CommandError error = 14;
  optional CommandCloseProducer close_producer = 15;
  optional CommandCloseConsumer close_consumer = 16;
  optional CommandProducerSuccess producer_success = 17;
  optional CommandPing ping = 18;
  optional CommandPong pong = 19;
  optional CommandRedeliverUnacknowledgedMessages redeliverUnacknowledgedMessages = 20;
  optional CommandPartitionedTopicMetadata partitionMetadata = 21;
  optional CommandPartitionedTopicMetadataResponse partitionMetadataResponse = 22;
  optional CommandLookupTopic lookupTopic = 23;
  optional CommandLookupTopicResponse lookupTopicResponse = 24;
  optional CommandReachedEndOfTopic reachedEndOfTopic = 27;
  optional CommandActiveConsumerChange active_consumer_change = 31;
  optional CommandGetSchema getSchema = 34;
  optional CommandGetSchemaResponse getSchemaResponse = 35;
  optional CommandAuthChallenge authChallenge = 36;
  optional CommandAuthResponse authResponse = 37;
  optional CommandAckResponse ackResponse = 38;
}
`;

// resolveAll() settles proto2 field presence, so decoders enforce `required` fields.
const root = protobuf.parse(PROTO, { keepCase: true }).root.resolveAll();

export const BaseCommandType = root.lookupType('pulsar.proto.BaseCommand');
export const MessageMetadataType = root.lookupType('pulsar.proto.MessageMetadata');
export const SingleMessageMetadataType = root.lookupType('pulsar.proto.SingleMessageMetadata');
export const MessageIdDataType = root.lookupType('pulsar.proto.MessageIdData');

/** BaseCommand.Type values. */
export const CommandType = root.lookupEnum('pulsar.proto.BaseCommand.Type').values as Record<string, number>;
export const CommandTypeName: Record<number, string> = Object.fromEntries(
  Object.entries(CommandType).map(([name, value]) => [value, name]));
export const ServerErrorName: Record<number, string> = Object.fromEntries(
  Object.entries(root.lookupEnum('pulsar.proto.ServerError').values).map(([name, value]) => [value, name]));
export const SchemaTypeValue = root.lookupEnum('pulsar.proto.Schema.Type').values as Record<string, number>;
export const SchemaTypeName: Record<number, string> = Object.fromEntries(
  Object.entries(SchemaTypeValue).map(([name, value]) => [value, name]));

export const CompressionTypeValue = { NONE: 0, LZ4: 1, ZLIB: 2, ZSTD: 3, SNAPPY: 4 } as const;
export const SubTypeValue = { Exclusive: 0, Shared: 1, Failover: 2, KeyShared: 3 } as const;

/**
 * A decoded protobuf message: fields by their proto names. 64-bit integers come back as protobufjs
 * Long objects (see u64), bytes as Uint8Array; absent optional fields fall back to prototype defaults.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Decoded = Record<string, any>;

export function encodeBaseCommand(command: Decoded): Uint8Array {
  return BaseCommandType.encode(BaseCommandType.fromObject(command)).finish();
}

/** Decodes, throwing on malformed input or a missing required field (resolveAll makes the decoder check them). */
export function decodeBaseCommand(bytes: Uint8Array): Decoded {
  const message = BaseCommandType.decode(bytes);
  return message as unknown as Decoded;
}

export function encodeMessageMetadata(metadata: Decoded): Uint8Array {
  return MessageMetadataType.encode(MessageMetadataType.fromObject(metadata)).finish();
}

export function decodeMessageMetadata(bytes: Uint8Array): Decoded {
  const message = MessageMetadataType.decode(bytes);
  return message as unknown as Decoded;
}

export function encodeSingleMessageMetadata(metadata: Decoded): Uint8Array {
  return SingleMessageMetadataType.encode(SingleMessageMetadataType.fromObject(metadata)).finish();
}

export function decodeSingleMessageMetadata(bytes: Uint8Array): Decoded {
  const message = SingleMessageMetadataType.decode(bytes);
  return message as unknown as Decoded;
}

/** A 64-bit protobuf integer (Long, number or string) as a bigint; undefined stays undefined. */
export function u64(value: unknown): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') return BigInt(value);
  const long = value as { low: number; high: number; unsigned: boolean };
  const raw = (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0);
  return long.unsigned ? raw : BigInt.asIntN(64, raw);
}

/** A 64-bit value for protobufjs' fromObject (it accepts decimal strings without precision loss). */
export function long(value: bigint | number): string {
  return typeof value === 'bigint' ? value.toString() : String(Math.trunc(value));
}

/** Whether an optional field was present on the wire (not just a prototype default). */
export function has(message: Decoded | undefined, field: string): boolean {
  return message !== undefined && message !== null && Object.prototype.hasOwnProperty.call(message, field);
}

export function keyValues(props: Record<string, string> | undefined): { key: string; value: string }[] {
  return props ? Object.entries(props).map(([key, value]) => ({ key, value })) : [];
}

export function propertiesOf(list: { key: string; value: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (list) for (let i = 0; i < list.length; i++) out[list[i]!.key] = list[i]!.value;
  return out;
}
