// Quarantine records: messages the gatekeeper held back (disposition 'quarantine') or rejected to the
// dead-letter topic (disposition 'reject'), with why, and what happened to them since.
import type { AuditEventInput } from '../audit.js';
import type { MismatchPolicy } from '../gatekeeper/routes.js';

export type QuarantineStatus = 'held' | 'replayed' | 'discarded';

export interface HistoryEntry {
  at: string;
  action: 'quarantined' | 'replay' | 'replay-held' | 'discard';
  /** The principal's unique id (token:<id>, oidc:<iss>#<sub>, gatekeeper). */
  actor: string;
  /** The principal's display name (a token's name, a person's name), for people reading the trail. */
  actorName?: string;
  details?: unknown;
}

export interface QuarantineRecord {
  id: number;
  sourceTopic: string;
  messageId: string;
  dagId: string;
  dagVersion: string | null;
  environment: string;
  disposition: MismatchPolicy;
  reasonCode: string;
  reason: string;
  payload: Uint8Array;
  properties: Record<string, string>;
  messageKey: string | null;
  publishTime: Date | null;
  eventTime: Date | null;
  pulsarSchemaVersion: string | null;
  expectedSchemaId: number | null;
  detectedSchemaId: number | null;
  status: QuarantineStatus;
  history: HistoryEntry[];
  createdAt: Date;
  updatedAt: Date;
}

export type NewQuarantineRecord = Omit<QuarantineRecord, 'id' | 'status' | 'history' | 'createdAt' | 'updatedAt'> & {
  history: HistoryEntry[];
};

export interface QuarantineFilter {
  topic?: string;
  dagId?: string;
  dagVersion?: string;
  reason?: string;
  status?: QuarantineStatus;
  disposition?: MismatchPolicy;
  environment?: string;
  since?: Date;
  until?: Date;
}

export interface QuarantineStore {
  /** Inserts unless (source_topic, message_id, dag_id) exists; returns the row's id either way. */
  insert(args: { record: NewQuarantineRecord }): Promise<{ id: number; inserted: boolean }>;
  get(args: { id: number }): Promise<QuarantineRecord | undefined>;
  /** Newest first; `beforeId` is the cursor (the last id of the previous page). */
  list(args: { filter: QuarantineFilter; limit: number; beforeId?: number }): Promise<QuarantineRecord[]>;
  /** Ids matching a filter, oldest first, at most `limit`. */
  ids(args: { filter: QuarantineFilter; limit: number }): Promise<number[]>;
  /**
   * Runs `fn` on the record with its row locked (SELECT ... FOR UPDATE) and applies the change it
   * returns — with its audit event — in the same transaction: concurrent actions on one record are serialized.
   */
  withLocked<T>(args: { id: number }, fn: (record: QuarantineRecord) => Promise<{ change?: { status: QuarantineStatus; entry: HistoryEntry; audit?: AuditEventInput }; result: T }>): Promise<T | undefined>;
}
