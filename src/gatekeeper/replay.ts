// Replaying a held message: the same resolve + decide as the live gatekeeper, against the routing
// table as it is now, then a forward to each accepting DAG's trigger topic, or a DAG run in Airflow
// for the DAGs that go there (with the same deterministic run id as a live forward, so a replay can
// never create a second run). Used by the quarantine service (API server) when Pulsar is configured.
import { DagpactError } from '../core/errors.js';
import { partitionedTopic } from '../core/gatekeeper/routes.js';
import type { QuarantineRecord } from '../core/quarantine/types.js';
import type { ReplayOutcome, Replayer } from '../core/quarantine/quarantine.js';
import { forwardsToAirflow, triggerForDecision, type DagTrigger, type ForwardTarget } from './airflow-sink.js';
import { NO_DAG } from '../core/gatekeeper/decide.js';
import type { Resolver } from './resolver.js';
import { forwardProperties, triggerTopicFor, type TriggerSchemaFor } from './sinks.js';
import type { Publisher, RoutingSource } from './types.js';
import type { RedactionPolicy } from '../core/quarantine/redact.js';

/** Pulsar's schema version back to its 8 bytes (schemaVersionText renders a big-endian long). */
function versionBytes(text: string | null): Uint8Array | undefined {
  if (!text) return undefined;
  if (/^-?\d+$/.test(text)) {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(text));
    return b;
  }
  return /^[0-9a-f]+$/i.test(text) ? Buffer.from(text, 'hex') : undefined;
}

export function makeReplayer(deps: {
  routing: RoutingSource;
  resolver: Resolver;
  publisher: Publisher;
  triggerTopicPattern: string;
  normalizeTopic(topic: string): string;
  target?: ForwardTarget;
  airflow?: DagTrigger;
  triggerSchema?: TriggerSchemaFor;
  /** Sensitive property names redacted from a DAG run's conf. */
  redaction?: RedactionPolicy;
}): Replayer {
  const target: ForwardTarget = deps.target ?? { forwardTo: 'topic' };
  return {
    async plan(record: QuarantineRecord): Promise<{ run(): Promise<ReplayOutcome> }> {
      const table = await deps.routing.routingTable({ environment: record.environment });
      const topic = deps.normalizeTopic(partitionedTopic(record.sourceTopic));
      const routes = table.routes.filter((r) => deps.normalizeTopic(r.topic) === topic && (record.dagId === NO_DAG || r.dagId === record.dagId));
      // The Pulsar schema version resolves through the broker schemas recorded when it was first met.
      const schemaVersion = versionBytes(record.pulsarSchemaVersion);
      const message = {
        topic: record.sourceTopic, payload: record.payload, properties: record.properties,
        ...(schemaVersion ? { schemaVersion } : {}),
        // Held raw because it could not be unpacked: its bytes are not a message, so it stays held. (The
        // record's reason already says why; repeating it inside the new reason would nest it.)
        ...(record.reasonCode === 'UNDECODABLE_MESSAGE' ? { undecodable: 'as when it was held' } : {}),
      };
      const { decisions } = await deps.resolver.resolveAndDecide({ message, routes });
      const held = decisions.find((d) => d.outcome !== 'ACCEPT');
      if (held) {
        const outcome: ReplayOutcome = { outcome: 'held', reasonCode: held.reasonCode ?? 'PROCESSING_FAILED', reason: held.reason ?? '', ...(held.route ? { dagVersion: held.route.dagVersion } : {}) };
        return { run: async () => outcome };
      }
      // Only broker I/O from here: run() is called while the record's row is locked.
      return {
        async run() {
          let last: ReplayOutcome | undefined;
          for (const d of decisions) {
            const route = d.route!;
            if (forwardsToAirflow(route, target)) {
              if (!deps.airflow) throw new DagpactError('UPSTREAM_UNAVAILABLE', `replaying to Airflow needs AIRFLOW_URL on this server (${route.dagId} is forwarded to Airflow)`);
              const source = {
                topic: record.sourceTopic, messageId: record.messageId, payload: record.payload, properties: record.properties,
                redeliveryCount: 0, ...(record.messageKey ? { key: record.messageKey } : {}),
                ...(record.publishTime ? { publishTime: record.publishTime } : {}), ...(record.eventTime ? { eventTime: record.eventTime } : {}),
              };
              const run = await triggerForDecision({ airflow: deps.airflow, environment: record.environment, ...(deps.redaction ? { redaction: deps.redaction } : {}) }, source, d, record.id);
              last = { outcome: 'forwarded', dagVersion: route.dagVersion, triggerTopic: `airflow:${route.dagId}`, forwardedMessageId: run.dagRunId };
              continue;
            }
            const triggerTopic = triggerTopicFor(route, deps.triggerTopicPattern);
            const schema = await deps.triggerSchema?.(route);
            const sent = await deps.publisher.send(triggerTopic, {
              ...(schema ? { schema } : {}),
              payload: d.forwardPayload ?? record.payload,
              properties: { ...forwardProperties({ topic: record.sourceTopic, messageId: record.messageId, properties: record.properties }, route, d.writer.schemaId), 'dagpact-replayed-from': String(record.id) },
              key: record.messageKey ?? undefined,
              eventTime: record.eventTime ?? undefined,
            });
            last = { outcome: 'forwarded', dagVersion: route.dagVersion, triggerTopic, forwardedMessageId: sent.messageId };
          }
          return last!;
        },
      };
    },
  };
}
