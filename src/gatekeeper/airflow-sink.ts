// Forwarding an accepted message to Airflow instead of a trigger topic: one DAG run per (message, DAG)
// through Airflow's REST API, with a dag_run_id derived from the message so that a redelivered or
// replayed message finds its run already there (409) instead of creating a second one. The run's conf
// carries the payload as the DAG's contract reads it and where it came from.
import { createHash } from 'node:crypto';
import { DAG_RUN_ID_MAX, type TriggerResult } from '../airflow/client.js';
import type { Decision } from '../core/gatekeeper/decide.js';
import { redactProperties, type RedactionPolicy } from '../core/quarantine/redact.js';
import type { Route, SourceMessage } from './types.js';

/** What the sink needs from Airflow (src/airflow/client.ts satisfies it). */
export interface DagTrigger {
  triggerDagRun(args: { dagId: string; dagRunId: string; conf: Record<string, unknown>; note?: string }): Promise<TriggerResult>;
}

export { forwardsToAirflow, type ForwardTarget } from '../core/gatekeeper/routes.js';

const clean = (text: string, max: number) => text.replace(/[^A-Za-z0-9_.~:+-]+/g, '_').slice(0, max);

/**
 * The DAG run id of a message for a DAG: the same for every delivery and every replay of it, unique per
 * (environment, source topic, message id, DAG), within Airflow's run_id pattern ^[A-Za-z0-9_.~:+-]+$
 * and length (250). Readable parts (environment, message id) for a person; the hash makes it unique.
 */
export function dagRunIdFor(args: { environment: string; sourceTopic: string; messageId: string; dagId: string }): string {
  const hash = createHash('sha256').update([args.environment, args.sourceTopic, args.messageId, args.dagId].join('\u0000')).digest('hex').slice(0, 32);
  const id = `dagpact__${clean(args.environment, 40)}__${clean(args.messageId, 80)}__${hash}`;
  return id.slice(0, DAG_RUN_ID_MAX);
}

/** The DAG run's conf: the message as the DAG reads it, and its provenance under `dagpact`. */
export function dagRunConf(args: {
  message: Pick<SourceMessage, 'topic' | 'messageId' | 'properties' | 'key' | 'publishTime' | 'eventTime'>;
  route: Route;
  decision: Pick<Decision, 'value' | 'writer'>;
  environment: string;
  replayedFrom?: number;
  redaction?: RedactionPolicy;
}): Record<string, unknown> {
  const { message, route, decision } = args;
  return {
    message: decision.value ?? null,
    dagpact: {
      environment: args.environment,
      source_topic: message.topic,
      message_id: message.messageId,
      key: message.key ?? null,
      publish_time: message.publishTime?.toISOString() ?? null,
      event_time: message.eventTime?.toISOString() ?? null,
      // A DAG run's conf shows in Airflow's UI and logs: sensitive property values are redacted there.
      properties: redactProperties(message.properties, args.redaction?.propertyNames).properties,
      dag_id: route.dagId,
      dag_version: route.dagVersion,
      airflow_version_number: route.airflowVersionNumber ?? null,
      contract_subject: route.subject,
      contract_version: route.subjectVersion,
      reader_schema_id: route.schemaId,
      writer_schema_id: decision.writer.schemaId ?? null,
      deployed_by: route.deployedBy ?? null,
      identified_by: decision.writer.via,
      ...(args.replayedFrom !== undefined ? { replayed_from_record: args.replayedFrom } : {}),
    },
  };
}

/** Triggers the decision's DAG; resolves once Airflow has the run (created now, or by an earlier delivery). */
export async function triggerForDecision(deps: { airflow: DagTrigger; environment: string; redaction?: RedactionPolicy }, message: SourceMessage, decision: Decision, replayedFrom?: number): Promise<TriggerResult> {
  const route = decision.route!;
  const dagRunId = dagRunIdFor({ environment: deps.environment, sourceTopic: message.topic, messageId: message.messageId, dagId: route.dagId });
  return deps.airflow.triggerDagRun({
    dagId: route.dagId, dagRunId,
    conf: dagRunConf({ message, route, decision, environment: deps.environment, ...(replayedFrom !== undefined ? { replayedFrom } : {}), ...(deps.redaction ? { redaction: deps.redaction } : {}) }),
    note: `dagpact: ${message.topic} ${message.messageId} (${route.dagId}@${route.dagVersion})`,
  });
}
