// The audit trail: every mutation is recorded with the identity that made it.

export interface AuditEventInput {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  details?: unknown;
}

export interface AuditEvent extends AuditEventInput {
  id: number;
  createdAt: Date;
}

export interface AuditLog {
  record(event: AuditEventInput): Promise<void>;
  list(args: { targetType?: string; targetId?: string; limit: number; beforeId?: number }): Promise<AuditEvent[]>;
}
