// Builds the quarantine service's Replayer for the API server from its forwarder (a Pulsar producer
// pool, present when PULSAR_SERVICE_URL is configured, and the Airflow client when accepted messages
// of some DAGs go to Airflow).
import type { FormatLookup } from '../../core/formats/types.js';
import type { Replayer } from '../../core/quarantine/quarantine.js';
import type { Registry } from '../../core/registry/types.js';
import { normalizeTopic } from '../../core/pulsar-names.js';
import type { Database } from '../../store/db.js';
import type { DagTrigger, ForwardTarget } from '../airflow-sink.js';
import { makeReplayer } from '../replay.js';
import { BoundedCache, makeResolver, type AirflowDagStates } from '../resolver.js';
import { makeTriggerSchemas } from '../sinks.js';
import type { RedactionPolicy } from '../../core/quarantine/redact.js';
import { makeBrokerSchemaStore } from '../../store/broker-schema-store.js';
import type { BrokerSchemaSource, Publisher, RoutingSource } from '../types.js';
import { makeDbRoutingSource } from './db-routing.js';

/** What the API server needs to replay held messages. */
export interface Forwarder {
  publisher: Publisher;
  triggerTopicPattern: string;
  brokerSchemas?: BrokerSchemaSource;
  routing?: RoutingSource;
  /** Where each DAG's accepted messages go (default: every DAG to its trigger topic). */
  target?: ForwardTarget;
  /** Required when `target` sends DAGs to Airflow. */
  airflow?: DagTrigger;
  /** What Airflow runs per DAG: a replay to Airflow is held while it is not the active contract's version. */
  airflowDags?: AirflowDagStates;
}

export function makeQuarantineReplayer(deps: {
  database: Database;
  registry: Registry;
  formats: FormatLookup;
  forwarder: Forwarder;
  redaction?: RedactionPolicy;
}): Replayer {
  const resolver = makeResolver({
    registry: deps.registry, formats: deps.formats, brokerSchemas: deps.forwarder.brokerSchemas,
    writers: makeBrokerSchemaStore(deps.database.db),
    verdicts: new BoundedCache(1_000), noRoutePolicy: 'quarantine',
    ...(deps.forwarder.airflow && deps.forwarder.airflowDags ? { airflow: { target: deps.forwarder.target ?? { forwardTo: 'topic' }, states: deps.forwarder.airflowDags } } : {}),
  });
  return makeReplayer({
    routing: deps.forwarder.routing ?? makeDbRoutingSource(deps.database.db),
    resolver,
    publisher: deps.forwarder.publisher,
    triggerTopicPattern: deps.forwarder.triggerTopicPattern,
    normalizeTopic,
    ...(deps.forwarder.target ? { target: deps.forwarder.target } : {}),
    ...(deps.forwarder.airflow ? { airflow: deps.forwarder.airflow } : {}),
    triggerSchema: makeTriggerSchemas({ schema: resolver.schema, formats: deps.formats }),
    ...(deps.redaction ? { redaction: deps.redaction } : {}),
  });
}
