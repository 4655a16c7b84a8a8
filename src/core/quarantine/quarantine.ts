// The quarantine service: inspect held messages, replay them (decide again now and forward when they
// pass) exactly once, or discard them. Every action is audited (in the same transaction) and appended to
// the record's history. Replay and discard need `deploy:<env>` of the record's environment; what a viewer
// sees of the payload depends on `payload:read:<env>` (redact.ts). A bulk action by filter answers 200
// with each record's outcome, so its refusals never reach the HTTP layer's refusal audit: each refused
// record is audited here (`quarantine.replay.refused` / `quarantine.discard.refused`, with the filter).
import type { AuditEventInput, AuditLog } from '../audit.js';
import { can, requirePermission, type Principal } from '../auth.js';
import type { DagVersionRecord } from '../contracts/types.js';
import { DagpactError } from '../errors.js';
import type { FormatLookup } from '../formats/types.js';
import type { Registry } from '../registry/types.js';
import { decodePayload, redactDecoded, type DecodedPayload } from './decode.js';
import { inspectRecord } from './inspect.js';
import type { BrokerWriterLog } from '../registry/broker-writers.js';
import { redactProperties, REDACTED, type RedactionPolicy } from './redact.js';
import type { HistoryEntry, QuarantineFilter, QuarantineRecord, QuarantineStore } from './types.js';

export type ReplayOutcome =
  | { outcome: 'forwarded'; dagVersion: string; triggerTopic: string; forwardedMessageId: string }
  | { outcome: 'held'; reasonCode: string; reason: string; dagVersion?: string };

/**
 * Runs the gatekeeper's decision for a held record again and forwards it when it passes, in two steps:
 * plan() decides (reads the routing table and the registry) before the record is locked; the returned
 * run() only forwards (broker I/O, no database) and is called with the row locked. A decision that reads
 * the database while a transaction holds the row would need two pool connections per replay and can
 * starve the pool under concurrent replays.
 */
export interface Replayer {
  plan(record: QuarantineRecord): Promise<{ run(): Promise<ReplayOutcome> }>;
}

export interface QuarantineDeps {
  store: QuarantineStore;
  audit: AuditLog;
  registry: Registry;
  formats: FormatLookup;
  /** Present when Pulsar is configured; without it replay answers 503. */
  replayer?: Replayer;
  /** Broker schema versions the gatekeeper recorded: the writer's Pulsar type and definition. */
  brokerWriters?: Pick<BrokerWriterLog, 'find'>;
  /** DAG versions, for the sensitive_fields their contracts add to a topic. */
  dagVersions?: { findDagVersion(args: { dagId: string; version: string }): Promise<DagVersionRecord | undefined> };
  /** Tags and property names that are redacted; defaults in redact.ts. */
  redaction?: RedactionPolicy;
}

/** A held message as a given viewer may see it. */
export interface QuarantineView {
  record: QuarantineRecord;
  /** Whether the viewer holds payload:read for the record's environment (raw bytes and values shown). */
  payloadVisible: boolean;
  /** Paths replaced by "[redacted]" (decoded value and properties). */
  redacted: string[];
}

export const BULK_LIMIT = 1000;

/** The filter as the caller gave it (set fields only, times as ISO strings), for the audit trail. */
function filterDetails(filter: QuarantineFilter): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(filter)) {
    if (v !== undefined) out[k] = v instanceof Date ? v.toISOString() : String(v);
  }
  return out;
}

const notFound = (id: number) => new DagpactError('QUARANTINE_RECORD_NOT_FOUND', `quarantine record ${id} does not exist`);

export function makeQuarantine(deps: QuarantineDeps) {
  const entry = (action: HistoryEntry['action'], actor: Principal, details?: unknown): HistoryEntry =>
    ({ at: new Date().toISOString(), action, actor: actor.id, ...(actor.name !== actor.id ? { actorName: actor.name } : {}), ...(details === undefined ? {} : { details }) });
  const auditOf = (actor: Principal, action: string, id: number, details?: unknown): AuditEventInput =>
    ({ actor: actor.id, actorName: actor.name, action, targetType: 'quarantine_record', targetId: String(id), details });
  const mayAct = (actor: Principal, record: QuarantineRecord, what: string) =>
    requirePermission(actor, `deploy:${record.environment}`, `${what} quarantine record ${record.id} of environment "${record.environment}"`);

  /** The record with properties and key redacted unless the viewer may read payloads of its environment. */
  function listView(record: QuarantineRecord, viewer: Principal): QuarantineView {
    if (can(viewer, `payload:read:${record.environment}`)) return { record, payloadVisible: true, redacted: [] };
    const props = redactProperties(record.properties, deps.redaction?.propertyNames);
    const key = record.messageKey === null ? [] : ['message_key'];
    return {
      record: { ...record, properties: props.properties, messageKey: record.messageKey === null ? null : REDACTED },
      payloadVisible: false, redacted: [...props.redacted, ...key],
    };
  }

  async function sensitiveFields(record: QuarantineRecord): Promise<string[]> {
    if (!deps.dagVersions || !record.dagVersion) return [];
    const version = await deps.dagVersions.findDagVersion({ dagId: record.dagId, version: record.dagVersion });
    return version?.contract.consumes.find((c) => c.topic === record.sourceTopic)?.sensitiveFields ?? [];
  }

  async function detailView(record: QuarantineRecord, decoded: DecodedPayload, viewer: Principal): Promise<QuarantineView & { decoded: DecodedPayload }> {
    const base = listView(record, viewer);
    if (base.payloadVisible) return { ...base, decoded };
    const out = await redactDecoded(decoded.value, {
      registry: deps.registry, schemaIds: [decoded.schemaId], contractPaths: await sensitiveFields(record),
      ...(deps.redaction ? { policy: deps.redaction } : {}),
    });
    return { ...base, redacted: [...out.redacted, ...base.redacted], decoded: { ...decoded, value: out.value } };
  }

  async function replay(id: number, actor: Principal): Promise<{ record: QuarantineRecord; result: ReplayOutcome }> {
    const notHeld = (status: string) => new DagpactError('INVALID_STATE', `quarantine record ${id} is ${status}; only held records can be replayed`,
      { details: { status } });
    // Permission before availability: a caller who may not replay learns nothing about Pulsar.
    const current = await deps.store.get({ id });
    if (!current) throw notFound(id);
    mayAct(actor, current, 'replaying');
    const replayer = deps.replayer;
    if (!replayer) {
      throw new DagpactError('UPSTREAM_UNAVAILABLE',
        'replay needs Pulsar, which this server is not configured for: set PULSAR_SERVICE_URL and restart it');
    }
    if (current.status !== 'held') throw notHeld(current.status);
    const plan = await replayer.plan(current);
    // Exactly once: the row is locked, its status checked again, forwarded and marked in one transaction.
    const result = await deps.store.withLocked<ReplayOutcome>({ id }, async (record) => {
      if (record.status !== 'held') throw notHeld(record.status);
      const outcome = await plan.run();
      const audit = auditOf(actor, 'quarantine.replay', id, outcome);
      return outcome.outcome === 'forwarded'
        ? { change: { status: 'replayed' as const, entry: entry('replay', actor, outcome), audit }, result: outcome }
        : { change: { status: 'held' as const, entry: entry('replay-held', actor, outcome), audit }, result: outcome };
    });
    if (!result) throw notFound(id);
    return { record: (await deps.store.get({ id }))!, result };
  }

  async function discard(id: number, actor: Principal, reason?: string): Promise<QuarantineRecord> {
    const done = await deps.store.withLocked<boolean>({ id }, async (record) => {
      mayAct(actor, record, 'discarding');
      if (record.status !== 'held') {
        throw new DagpactError('INVALID_STATE', `quarantine record ${id} is ${record.status}; only held records can be discarded`,
          { details: { status: record.status } });
      }
      const details = reason ? { reason } : undefined;
      return { change: { status: 'discarded' as const, entry: entry('discard', actor, details), audit: auditOf(actor, 'quarantine.discard', id, details) }, result: true };
    });
    if (!done) throw notFound(id);
    return (await deps.store.get({ id }))!;
  }

  /**
   * Applies `one` to every held record matching the filter; failures are reported per record, and each
   * refused record is audited with the principal, the action and the filter.
   */
  async function bulk<T>(action: 'replay' | 'discard', filter: QuarantineFilter, limit: number, actor: Principal, one: (id: number) => Promise<T>) {
    const ids = await deps.store.ids({ filter: { ...filter, status: 'held' }, limit: Math.min(limit, BULK_LIMIT) });
    const results: Array<{ id: number; ok: boolean; result?: T; error?: { code: string; message: string } }> = [];
    for (const id of ids) {
      try {
        results.push({ id, ok: true, result: await one(id) });
      } catch (error) {
        if (error instanceof DagpactError && error.retriable) throw error; // Pulsar or the database is down: stop
        const e = error instanceof DagpactError ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: (error as Error).message };
        await deps.audit.record(auditOf(actor, `quarantine.${action}.refused`, id, { bulk: true, filter: filterDetails(filter), limit, ...e }));
        results.push({ id, ok: false, error: e });
      }
    }
    return results;
  }

  return {
    async list(args: { filter: QuarantineFilter; limit: number; cursor?: number }, viewer: Principal) {
      const records = await deps.store.list({ filter: args.filter, limit: args.limit, beforeId: args.cursor });
      const next = records.length === args.limit ? records[records.length - 1]!.id : undefined;
      return { records: records.map((r) => listView(r, viewer)), nextCursor: next };
    },

    /** The record, its decoded payload and the raw bytes, redacted for `viewer` unless they may read payloads. */
    async get(id: number, viewer: Principal) {
      const record = await deps.store.get({ id });
      if (!record) throw notFound(id);
      const [view, inspection] = await Promise.all([decodePayload(record, deps).then((decoded) => detailView(record, decoded, viewer)), inspectRecord(record, deps)]);
      return { ...view, inspection };
    },

    replay,
    discard,

    replayMany: (args: { filter: QuarantineFilter; limit: number }, actor: Principal) =>
      bulk('replay', args.filter, args.limit, actor, async (id) => (await replay(id, actor)).result),

    discardMany: (args: { filter: QuarantineFilter; limit: number; reason?: string }, actor: Principal) =>
      bulk('discard', args.filter, args.limit, actor, async (id) => (await discard(id, actor, args.reason)).status),

  };
}

export type QuarantineService = ReturnType<typeof makeQuarantine>;
