// A contract's identity: what the manifest *declared* (topics, subjects, declared versions or inline
// schema documents, policies), independent of entry order and of when "latest" was resolved. Two
// registrations of one (dag, version) are the same exactly when their identities hash the same; the
// differences are reported entry by entry when they are not.
import { createHash } from 'node:crypto';
import type { Manifest, ManifestEntry } from './types.js';

export interface EntryIdentity {
  topic: string;
  subject: string;
  version?: number | 'latest';
  schema?: unknown;
  schemaType?: string;
  references?: Array<{ name: string; subject: string; version: number }>;
  on_mismatch?: string;
  trigger_topic?: string;
  forward_to?: string;
  sensitive_fields?: string[];
}

export interface ContractIdentity {
  airflow_version_number: number | null;
  consumes: EntryIdentity[];
  produces: EntryIdentity[];
}

/** JSON with object keys sorted: equal documents give equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function entryIdentity(e: ManifestEntry): EntryIdentity {
  const common = {
    topic: e.topic, subject: e.subject,
    ...(e.onMismatch ? { on_mismatch: e.onMismatch } : {}), ...(e.triggerTopic ? { trigger_topic: e.triggerTopic } : {}),
    ...(e.forwardTo ? { forward_to: e.forwardTo } : {}),
    // Only when given, so contracts registered before the field existed keep their hash.
    ...(e.sensitiveFields?.length ? { sensitive_fields: [...e.sensitiveFields].sort() } : {}),
  };
  if (e.kind === 'ref') return { ...common, version: e.version };
  let schema: unknown = e.schema;
  try { schema = JSON.parse(e.schema); } catch { /* validated earlier; keep the text */ }
  // References only when there are some, so contracts registered before they existed keep their hash.
  return { ...common, schema, schemaType: e.schemaType, ...(e.references.length ? { references: e.references } : {}) };
}

const byTopic = (a: EntryIdentity, b: EntryIdentity) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0);

export function contractIdentity(m: Manifest): ContractIdentity {
  return {
    airflow_version_number: m.airflowVersionNumber ?? null,
    consumes: m.consumes.map(entryIdentity).sort(byTopic),
    produces: m.produces.map(entryIdentity).sort(byTopic),
  };
}

export function contractHash(identity: ContractIdentity): string {
  return createHash('sha256').update(stableStringify(identity)).digest('hex');
}

export interface ContractDifference {
  path: string;
  change: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** What differs between the registered identity and a new one, by topic and field. */
export function diffIdentities(before: ContractIdentity, after: ContractIdentity): ContractDifference[] {
  const out: ContractDifference[] = [];
  if (before.airflow_version_number !== after.airflow_version_number) {
    out.push({ path: '$.airflow_version_number', change: 'changed', before: before.airflow_version_number, after: after.airflow_version_number });
  }
  for (const direction of ['consumes', 'produces'] as const) {
    const old = new Map(before[direction].map((e) => [e.topic, e]));
    const now = new Map(after[direction].map((e) => [e.topic, e]));
    for (const [topic, e] of old) if (!now.has(topic)) out.push({ path: `$.${direction}[topic=${topic}]`, change: 'removed', before: e });
    for (const [topic, e] of now) {
      const o = old.get(topic);
      if (!o) { out.push({ path: `$.${direction}[topic=${topic}]`, change: 'added', after: e }); continue; }
      const keys = new Set([...Object.keys(o), ...Object.keys(e)]) as Set<keyof EntryIdentity>;
      for (const k of keys) {
        if (stableStringify(o[k]) !== stableStringify(e[k])) {
          out.push({ path: `$.${direction}[topic=${topic}].${k}`, change: 'changed', before: o[k], after: e[k] });
        }
      }
    }
  }
  return out;
}
