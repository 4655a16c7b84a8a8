// The quarantine service: inspect held messages, replay them (decide again now and forward when they
// pass) exactly once, or discard them. Every action is audited and appended to the record's history.
import type { AuditLog } from '../audit.js';
import type { Principal } from '../auth.js';
import { DagpactError } from '../errors.js';
import type { FormatProvider, SchemaFormat } from '../formats/types.js';
import type { Registry } from '../registry/types.js';
import { decodePayload } from './decode.js';
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
  formats: { get(format: SchemaFormat): FormatProvider };
  /** Present when Pulsar is configured; without it replay answers 503. */
  replayer?: Replayer;
}

export const BULK_LIMIT = 1000;

const notFound = (id: number) => new DagpactError('QUARANTINE_RECORD_NOT_FOUND', `quarantine record ${id} does not exist`);

export function makeQuarantine(deps: QuarantineDeps) {
  const entry = (action: HistoryEntry['action'], actor: Principal, details?: unknown): HistoryEntry =>
    ({ at: new Date().toISOString(), action, actor: actor.id, ...(details === undefined ? {} : { details }) });

  async function replay(id: number, actor: Principal): Promise<{ record: QuarantineRecord; result: ReplayOutcome }> {
    const replayer = deps.replayer;
    if (!replayer) {
      throw new DagpactError('UPSTREAM_UNAVAILABLE',
        'replay needs Pulsar, which this server is not configured for: set PULSAR_SERVICE_URL and restart it');
    }
    const notHeld = (status: string) => new DagpactError('INVALID_STATE', `quarantine record ${id} is ${status}; only held records can be replayed`,
      { details: { status } });
    const current = await deps.store.get({ id });
    if (!current) throw notFound(id);
    if (current.status !== 'held') throw notHeld(current.status);
    const plan = await replayer.plan(current);
    // Exactly once: the row is locked, its status checked again, forwarded and marked in one transaction.
    const result = await deps.store.withLocked<ReplayOutcome>({ id }, async (record) => {
      if (record.status !== 'held') throw notHeld(record.status);
      const outcome = await plan.run();
      return outcome.outcome === 'forwarded'
        ? { change: { status: 'replayed' as const, entry: entry('replay', actor, outcome) }, result: outcome }
        : { change: { status: 'held' as const, entry: entry('replay-held', actor, outcome) }, result: outcome };
    });
    if (!result) throw notFound(id);
    await deps.audit.record({ actor: actor.id, actorName: actor.name, action: 'quarantine.replay', targetType: 'quarantine_record', targetId: String(id), details: result });
    return { record: (await deps.store.get({ id }))!, result };
  }

  async function discard(id: number, actor: Principal, reason?: string): Promise<QuarantineRecord> {
    const done = await deps.store.withLocked<boolean>({ id }, async (record) => {
      if (record.status !== 'held') {
        throw new DagpactError('INVALID_STATE', `quarantine record ${id} is ${record.status}; only held records can be discarded`,
          { details: { status: record.status } });
      }
      return { change: { status: 'discarded' as const, entry: entry('discard', actor, reason ? { reason } : undefined) }, result: true };
    });
    if (!done) throw notFound(id);
    await deps.audit.record({ actor: actor.id, actorName: actor.name, action: 'quarantine.discard', targetType: 'quarantine_record', targetId: String(id), details: reason ? { reason } : undefined });
    return (await deps.store.get({ id }))!;
  }

  /** Applies `one` to every held record matching the filter; failures are reported per record. */
  async function bulk<T>(filter: QuarantineFilter, limit: number, one: (id: number) => Promise<T>) {
    const ids = await deps.store.ids({ filter: { ...filter, status: 'held' }, limit: Math.min(limit, BULK_LIMIT) });
    const results: Array<{ id: number; ok: boolean; result?: T; error?: { code: string; message: string } }> = [];
    for (const id of ids) {
      try {
        results.push({ id, ok: true, result: await one(id) });
      } catch (error) {
        if (error instanceof DagpactError && error.retriable) throw error; // Pulsar or the database is down: stop
        const e = error instanceof DagpactError ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: (error as Error).message };
        results.push({ id, ok: false, error: e });
      }
    }
    return results;
  }

  return {
    async list(args: { filter: QuarantineFilter; limit: number; cursor?: number }) {
      const records = await deps.store.list({ filter: args.filter, limit: args.limit, beforeId: args.cursor });
      const next = records.length === args.limit ? records[records.length - 1]!.id : undefined;
      return { records, nextCursor: next };
    },

    async get(id: number) {
      const record = await deps.store.get({ id });
      if (!record) throw notFound(id);
      return { record, decoded: await decodePayload(record, deps) };
    },

    replay,
    discard,

    replayMany: (args: { filter: QuarantineFilter; limit: number }, actor: Principal) =>
      bulk(args.filter, args.limit, async (id) => (await replay(id, actor)).result),

    discardMany: (args: { filter: QuarantineFilter; limit: number; reason?: string }, actor: Principal) =>
      bulk(args.filter, args.limit, async (id) => (await discard(id, actor, args.reason)).status),

  };
}

export type QuarantineService = ReturnType<typeof makeQuarantine>;
