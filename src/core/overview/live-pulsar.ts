// What the broker says now, next to what dagpact decided (docs/adr/0017): for every DAG version active in
// an environment, whether each consumed topic's current schema on Pulsar can still be read by the
// contract's reader schema (drift), and the gatekeeper subscription's backlog on those topics (lag).
// Both read Pulsar's admin API through a port, computed at most once per `cacheMs` (concurrent callers
// share one computation) so a console left open cannot hammer the broker. Without the admin API both
// answer checked: false with the reason, never an error.
import { isDagpactError } from '../errors.js';
import type { CompatibilityIssue, ParsedSchema, SchemaFormat } from '../formats/types.js';
import type { ActiveVersion } from '../contracts/types.js';

export interface LivePulsarPort {
  getSchema(topic: string): Promise<{ version: number; type: string; schema: string } | undefined>;
  subscriptionBacklogs(topic: string): Promise<Array<{ name: string; msgBacklog: number; unacked: number; consumers: number; oldestPublishTime?: Date }> | undefined>;
}

export interface LivePulsarDeps {
  /** Absent when PULSAR_ADMIN_URL is not configured. */
  pulsar?: LivePulsarPort;
  environments(): Promise<string[]>;
  active(environment: string): Promise<ActiveVersion[]>;
  /** The contract's reader by id; its private form need not be built here (compare works on it). */
  parsedById(args: { id: number }): Promise<ParsedSchema>;
  /** Parses the broker's schema text (off the event loop in the API server: docs/adr/0019). */
  parse(args: { schema: string; format: SchemaFormat }): Promise<ParsedSchema>;
  /** backwardIssues for each pair, under a work budget each (the registry's compareSchemas). */
  compare(pairs: Array<{ reader: ParsedSchema; writer: ParsedSchema }>): Promise<CompatibilityIssue[][]>;
  /** The gatekeeper's subscription name (DAGPACT_GATEKEEPER_SUBSCRIPTION). */
  subscription: string;
  cacheMs: number;
  now?: () => number;
}

export type TopicDriftStatus = 'ok' | 'drift' | 'no_schema' | 'error';

export interface TopicDrift {
  topic: string; subject: string; version: number | null; status: TopicDriftStatus;
  /** The broker's schema version on the topic, when it has one. */
  pulsarVersion?: number;
  findings: CompatibilityIssue[];
  error?: string;
}

export interface DriftCell {
  environment: string; dagId: string; version: string;
  /** drift when any consumed topic drifted; error when one could not be read; else ok. */
  status: 'ok' | 'drift' | 'error';
  topics: TopicDrift[];
}

export interface DriftReport { checked: boolean; reason?: string; checkedAt: Date; cells: DriftCell[] }

export interface TopicBacklog {
  topic: string;
  /** environments whose active DAG versions consume the topic */
  environments: string[];
  exists: boolean;
  /** false when the topic has no subscription of that name yet (the gatekeeper never subscribed). */
  subscribed: boolean;
  msgBacklog: number; unacked: number; consumers: number;
  oldestUnackedAt?: Date;
  error?: string;
}

export interface BacklogReport {
  checked: boolean; reason?: string; subscription: string; checkedAt: Date;
  totalBacklog: number;
  /** Age in seconds of the oldest unacknowledged message over all topics, when the broker reports it. */
  oldestUnackedSeconds?: number;
  topics: TopicBacklog[];
}

const NOT_CONFIGURED = 'Pulsar admin is not configured (PULSAR_ADMIN_URL on the API server): not checked';

/** One value per `ttlMs`; concurrent readers share the computation in flight; a failure is not kept. */
function cached<T>(ttlMs: number, now: () => number, compute: () => Promise<T>): () => Promise<T> {
  let entry: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (entry && now() - entry.at < ttlMs) return entry.value;
    const value = compute();
    const mine = { at: now(), value };
    entry = mine;
    value.catch(() => { if (entry === mine) entry = undefined; });
    return value;
  };
}

export function makeLivePulsar(deps: LivePulsarDeps) {
  const now = deps.now ?? Date.now;
  const message = (error: unknown) => (error as Error).message;

  async function allActive(): Promise<ActiveVersion[]> {
    const envs = await deps.environments();
    const lists = await Promise.all(envs.map((env) => deps.active(env).catch((error: unknown) => {
      // An environment seen only in old checks may not be declared: it has no active versions.
      if (isDagpactError(error) && error.code === 'ENVIRONMENT_NOT_FOUND') return [];
      throw error;
    })));
    return lists.flat();
  }

  async function computeDrift(pulsar: LivePulsarPort): Promise<DriftReport> {
    const active = await allActive();
    const onBroker = new Map<string, Promise<{ version: number; type: string; schema: string } | undefined>>();
    const brokerSchema = (topic: string) => {
      if (!onBroker.has(topic)) onBroker.set(topic, pulsar.getSchema(topic));
      return onBroker.get(topic)!;
    };
    // Several DAG versions may read one topic: its schema is parsed once per computation.
    const parsedTopics = new Map<string, Promise<ParsedSchema>>();
    const parsedOnBroker = (topic: string, format: SchemaFormat, schema: string) => {
      const key = `${format} ${topic}`;
      if (!parsedTopics.has(key)) parsedTopics.set(key, deps.parse({ schema, format }));
      return parsedTopics.get(key)!;
    };
    const topicDrift = async (entry: ActiveVersion['dagVersion']['contract']['consumes'][number]): Promise<TopicDrift> => {
      const base = { topic: entry.topic, subject: entry.subject, version: entry.version, findings: [] as CompatibilityIssue[] };
      if (entry.schemaId === null) return { ...base, status: 'error', error: 'the contract entry is not pinned to a schema' };
      let info: Awaited<ReturnType<typeof brokerSchema>>;
      try {
        info = await brokerSchema(entry.topic);
      } catch (error) {
        return { ...base, status: 'error', error: `the broker's schema could not be read: ${message(error)}` };
      }
      if (!info) return { ...base, status: 'no_schema' };
      const withVersion = { ...base, pulsarVersion: info.version };
      if (info.type !== entry.format) {
        return { ...withVersion, status: 'drift', findings: [{ path: '$', rule: 'TYPE_MISMATCH', message: `the topic's schema is ${info.type}; the contract reads ${entry.format}` }] };
      }
      let writer: ParsedSchema;
      try {
        writer = await parsedOnBroker(entry.topic, entry.format, info.schema);
      } catch (error) {
        return { ...withVersion, status: 'error', error: `the topic's schema does not parse as ${entry.format}: ${message(error)}` };
      }
      const reader = await deps.parsedById({ id: entry.schemaId });
      const findings = reader.fingerprint === writer.fingerprint ? [] : (await deps.compare([{ reader, writer }]))[0] ?? [];
      return { ...withVersion, status: findings.length ? 'drift' : 'ok', findings };
    };
    const cells = await Promise.all(active.map(async (a): Promise<DriftCell> => {
      const topics = await Promise.all(a.dagVersion.contract.consumes.map(topicDrift));
      const status = topics.some((t) => t.status === 'drift') ? 'drift' : topics.some((t) => t.status === 'error') ? 'error' : 'ok';
      return { environment: a.deployment.environment, dagId: a.dagVersion.dagId, version: a.dagVersion.version, status, topics };
    }));
    return { checked: true, checkedAt: new Date(now()), cells };
  }

  async function computeBacklog(pulsar: LivePulsarPort): Promise<BacklogReport> {
    const active = await allActive();
    const envsOf = new Map<string, Set<string>>();
    for (const a of active) {
      for (const c of a.dagVersion.contract.consumes) {
        envsOf.set(c.topic, (envsOf.get(c.topic) ?? new Set()).add(a.deployment.environment));
      }
    }
    const topics = await Promise.all([...envsOf.keys()].sort().map(async (topic): Promise<TopicBacklog> => {
      const base = { topic, environments: [...envsOf.get(topic)!].sort(), msgBacklog: 0, unacked: 0, consumers: 0 };
      try {
        const subs = await pulsar.subscriptionBacklogs(topic);
        if (!subs) return { ...base, exists: false, subscribed: false };
        const sub = subs.find((s) => s.name === deps.subscription);
        if (!sub) return { ...base, exists: true, subscribed: false };
        return {
          ...base, exists: true, subscribed: true, msgBacklog: sub.msgBacklog, unacked: sub.unacked, consumers: sub.consumers,
          ...(sub.oldestPublishTime && sub.msgBacklog > 0 ? { oldestUnackedAt: sub.oldestPublishTime } : {}),
        };
      } catch (error) {
        return { ...base, exists: false, subscribed: false, error: message(error) };
      }
    }));
    const checkedAt = new Date(now());
    const oldest = topics.map((t) => t.oldestUnackedAt?.getTime()).filter((t): t is number => t !== undefined);
    return {
      checked: true, subscription: deps.subscription, checkedAt, topics,
      totalBacklog: topics.reduce((n, t) => n + t.msgBacklog, 0),
      ...(oldest.length ? { oldestUnackedSeconds: Math.max(0, Math.round((checkedAt.getTime() - Math.min(...oldest)) / 1000)) } : {}),
    };
  }

  const pulsar = deps.pulsar;
  const drift = pulsar ? cached(deps.cacheMs, now, () => computeDrift(pulsar)) : undefined;
  const backlog = pulsar ? cached(deps.cacheMs, now, () => computeBacklog(pulsar)) : undefined;

  return {
    configured: pulsar !== undefined,
    drift: (): Promise<DriftReport> => drift ? drift() : Promise.resolve({ checked: false, reason: NOT_CONFIGURED, checkedAt: new Date(now()), cells: [] }),
    backlog: (): Promise<BacklogReport> => backlog ? backlog()
      : Promise.resolve({ checked: false, reason: NOT_CONFIGURED, subscription: deps.subscription, checkedAt: new Date(now()), totalBacklog: 0, topics: [] }),
  };
}

export type LivePulsarService = ReturnType<typeof makeLivePulsar>;
