// The messages between the compute pool and its workers: plain data only (structured clone).
// A DagpactError crosses as its code, message and details and is rebuilt on the main side.
import { DagpactError, ERROR_TABLE, type ErrorCode } from '../core/errors.js';
import type { ComputeTask } from '../core/compute/tasks.js';

export interface TaskMessage { id: number; task: ComputeTask }

export interface WireError { code: string; message: string; details?: unknown }

export type ReplyMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: WireError };

export function toWire(error: unknown): WireError {
  if (error instanceof DagpactError) {
    return { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) };
  }
  // Not an input problem the core named: reported as INTERNAL, with the message kept for the log.
  return { code: 'INTERNAL', message: `the schema worker failed: ${(error as Error)?.message ?? String(error)}` };
}

export function fromWire(error: WireError): DagpactError {
  const code = (error.code in ERROR_TABLE ? error.code : 'INTERNAL') as ErrorCode;
  return new DagpactError(code, error.message, error.details !== undefined ? { details: error.details } : {});
}
