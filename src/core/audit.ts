// The audit trail: every mutation and every refused attempt, with the principal's unique id
// (`token:<id>`, `oidc:<iss>#<sub>`, `bootstrap-admin`, `anonymous`) — never a name a user chose;
// `actorName` is kept beside it for people reading the trail.

export interface AuditEventInput {
  /** The principal's unique id. */
  actor: string;
  actorName?: string;
  action: string;
  targetType: string;
  targetId: string;
  details?: unknown;
}

export interface AuditEvent extends AuditEventInput {
  id: number;
  createdAt: Date;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: Date;
  until?: Date;
}

export interface AuditLog {
  record(event: AuditEventInput): Promise<void>;
  /** Newest first; `beforeId` is the cursor (the last id of the previous page). */
  list(args: AuditFilter & { limit: number; beforeId?: number }): Promise<AuditEvent[]>;
}
