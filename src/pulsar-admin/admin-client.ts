// A client for the parts of Pulsar's admin REST API dagpact uses: its schema registry (read, push,
// compatibility), namespace and topic schema policies, and a liveness probe. Its failures are translated
// here, once, into DagpactErrors the core branches on: UPSTREAM_UNAVAILABLE (retriable) when the broker
// cannot be reached or fails (5xx), UPSTREAM_REJECTED when it refuses (4xx: a tenant or namespace that
// does not exist, a name it does not take), INCOMPATIBLE_SCHEMA when it refuses a schema as incompatible.
// `details` carries { status, reason }, the reason short and without Pulsar's stack trace.
import { DagpactError } from '../core/errors.js';
import { pulsarNameProblem, readTopicName, type TopicName } from '../core/pulsar-names.js';

/** One path segment: a validated Pulsar name, percent-encoded; never "." or ".." (which a URL would resolve). */
function segment(part: string, what: 'tenant' | 'namespace' | 'topic'): string {
  const problem = pulsarNameProblem(part, what);
  if (problem) throw new DagpactError('BAD_REQUEST', `${problem}; Pulsar names use letters, digits and - _ = : .`);
  return encodeURIComponent(part);
}

function namespacePath(namespace: string): string {
  const parts = namespace.split('/');
  if (parts.length !== 2) throw new DagpactError('BAD_REQUEST', `"${namespace.slice(0, 200)}" is not a Pulsar namespace; use tenant/namespace`);
  return `${segment(parts[0]!, 'tenant')}/${segment(parts[1]!, 'namespace')}`;
}

function topicPath(t: TopicName): string {
  return `${segment(t.tenant, 'tenant')}/${segment(t.namespace, 'namespace')}/${segment(t.topic, 'topic')}`;
}

/** Pulsar's answer to an incompatible schema wraps the message in a stack trace: keep the message, short. */
export function shortReason(reason: string): string {
  const m = /Message: (.*?)(?: Stacktrace:|$)/.exec(reason);
  const text = (m?.[1] ?? reason).replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** An upstream answer for an error message: its `reason` or status, short and on one line, never the raw body. */
function summarise(json: unknown): string {
  const reason = typeof json === 'object' && json && 'reason' in json ? String((json as { reason: unknown }).reason) : '';
  // eslint-disable-next-line no-control-regex
  const clean = reason.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (!clean) return 'no reason given';
  return clean.length > 200 ? `${clean.slice(0, 200)}...` : clean;
}

/**
 * The one translation of an admin API answer that is not a success: 5xx → UPSTREAM_UNAVAILABLE (retriable),
 * 4xx → UPSTREAM_REJECTED. With `schemaRefusal` (a schema being registered), a 409 or a refusal naming
 * an incompatibility (Pulsar wraps Avro's in a 500) → INCOMPATIBLE_SCHEMA. Details: { status, reason }.
 */
export function translateAdminFailure(what: string, r: { status: number; json: unknown }, options: { schemaRefusal?: boolean } = {}): DagpactError {
  const reason = summarise(r.json);
  const details = { status: r.status, reason };
  if (options.schemaRefusal && (r.status === 409 || /Incompatible/i.test(reason))) {
    return new DagpactError('INCOMPATIBLE_SCHEMA', `Pulsar admin API: ${what} was refused as incompatible (HTTP ${r.status}): ${reason}`, { details });
  }
  const code = r.status >= 500 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_REJECTED';
  return new DagpactError(code, `Pulsar admin API: ${what} failed with HTTP ${r.status}: ${reason}`, { details });
}

/** A topic name read by the one rule set (core/pulsar-names.ts readTopicName); BAD_REQUEST when it is not one. */
export function parseTopicName(name: string): TopicName {
  const read = readTopicName(name);
  if ('problem' in read) throw new DagpactError('BAD_REQUEST', read.problem);
  return read;
}

export interface PulsarSchemaInfo {
  version: number;
  type: string;
  schema: string;
  properties: Record<string, string>;
}

export interface TopicSchemaPolicies {
  /** The strategy set on the topic itself; null when the topic inherits it. */
  strategyOverride: string | null;
  /** The strategy the broker applies to the topic; null when it did not say. */
  appliedStrategy: string | null;
  schemaValidationEnforced: boolean;
}

export interface SubscriptionBacklog {
  name: string;
  /** Messages not yet acknowledged by the subscription. */
  msgBacklog: number;
  /** Delivered to a consumer and not acknowledged yet. */
  unacked: number;
  consumers: number;
  /** Publish time of the oldest message in the backlog (brokers from Pulsar 2.11 report it). */
  oldestPublishTime?: Date;
}

export interface PulsarAdminOptions {
  url: string;
  /** A function (PULSAR_TOKEN_FILE) is called for every request. */
  token?: string | (() => Promise<string>);
  timeoutMs?: number;
}

export function makePulsarAdmin(options: PulsarAdminOptions) {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(base + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new DagpactError('UPSTREAM_UNAVAILABLE', `Pulsar admin API at ${base} is unreachable (${method} ${path})`, { cause });
    }
    const text = await res.text();
    let json: unknown = text;
    try { json = text ? JSON.parse(text) : undefined; } catch { /* keep text */ }
    return { status: res.status, json };
  }

  const ok = (r: { status: number }) => r.status >= 200 && r.status < 300;

  function fail(what: string, r: { status: number; json: unknown }): never {
    throw translateAdminFailure(what, r);
  }

  const schemaPath = (topic: string) => {
    const t = parseTopicName(topic);
    return `/admin/v2/schemas/${topicPath(t)}`;
  };

  const toInfo = (j: { version: number; type: string; data: string; properties?: Record<string, string> }): PulsarSchemaInfo => ({
    version: Number(j.version), type: j.type, schema: j.data, properties: j.properties ?? {},
  });

  return {
    baseUrl: base,

    async ping(): Promise<void> {
      const r = await call('GET', '/admin/v2/clusters');
      if (!ok(r)) fail('GET /admin/v2/clusters', r);
    },

    /** The topic's latest schema, or a given version; undefined when the topic has none. */
    async getSchema(topic: string, version?: number): Promise<PulsarSchemaInfo | undefined> {
      const r = await call('GET', `${schemaPath(topic)}/schema${version === undefined ? '' : `/${version}`}`);
      if (r.status === 404) return undefined;
      if (!ok(r)) fail(`reading the schema of ${topic}`, r);
      return toInfo(r.json as never);
    },

    async getAllSchemas(topic: string): Promise<PulsarSchemaInfo[]> {
      const r = await call('GET', `${schemaPath(topic)}/schemas`);
      if (r.status === 404) return [];
      if (!ok(r)) fail(`reading the schemas of ${topic}`, r);
      const list = (r.json as { getSchemaResponses?: unknown[] }).getSchemaResponses ?? [];
      return list.map((j) => toInfo(j as never));
    },

    /** Registers a schema on a topic; returns the version Pulsar assigned. Refused as incompatible → INCOMPATIBLE_SCHEMA. */
    async postSchema(topic: string, schema: { type: string; schema: string; properties?: Record<string, string> }): Promise<number> {
      const r = await call('POST', `${schemaPath(topic)}/schema`, { type: schema.type, schema: schema.schema, properties: schema.properties ?? {} });
      if (!ok(r)) throw translateAdminFailure(`registering a schema on ${topic}`, r, { schemaRefusal: true });
      const v = (r.json as { version?: { version?: number } | number }).version;
      return typeof v === 'number' ? v : Number(v?.version);
    },

    /** Pulsar's own verdict: can `schema` be registered on `topic` under the topic's strategy? */
    async testCompatibility(topic: string, schema: { type: string; schema: string; properties?: Record<string, string> }):
      Promise<{ compatible: boolean; strategy: string; reason?: string }> {
      const r = await call('POST', `${schemaPath(topic)}/compatibility`, { type: schema.type, schema: schema.schema, properties: schema.properties ?? {} });
      // Pulsar answers an incompatible schema with an HTTP error (409, or 500 wrapping Avro's
      // SchemaValidationException) instead of `compatibility: false`; both are a verdict, not a failure.
      const text = typeof r.json === 'string' ? r.json : JSON.stringify(r.json);
      if (!ok(r) && (r.status === 409 || /IncompatibleSchemaException|SchemaValidationException/.test(text))) {
        const strategy = /strategy (\w+)/.exec(text)?.[1] ?? 'unknown';
        return { compatible: false, strategy, reason: shortReason(text.replace(/\s+/g, ' ').trim().slice(0, 500)) };
      }
      if (!ok(r)) fail(`testing compatibility on ${topic}`, r);
      const j = r.json as { compatibility: boolean; schemaCompatibilityStrategy: string };
      return { compatible: Boolean(j.compatibility), strategy: j.schemaCompatibilityStrategy };
    },

    async deleteSchema(topic: string): Promise<void> {
      const r = await call('DELETE', `${schemaPath(topic)}/schema`);
      if (!ok(r) && r.status !== 404) fail(`deleting the schema of ${topic}`, r);
    },

    async createNamespace(namespace: string): Promise<void> {
      const r = await call('PUT', `/admin/v2/namespaces/${namespacePath(namespace)}`, {});
      if (!ok(r) && r.status !== 409) fail(`creating namespace ${namespace}`, r);
    },

    async getSchemaCompatibilityStrategy(namespace: string): Promise<string> {
      const r = await call('GET', `/admin/v2/namespaces/${namespacePath(namespace)}/schemaCompatibilityStrategy`);
      if (!ok(r)) fail(`reading the schema strategy of ${namespace}`, r);
      return typeof r.json === 'string' ? r.json.replace(/"/g, '') : String(r.json);
    },

    async setSchemaCompatibilityStrategy(namespace: string, strategy: string): Promise<void> {
      const r = await call('PUT', `/admin/v2/namespaces/${namespacePath(namespace)}/schemaCompatibilityStrategy`, strategy);
      if (!ok(r)) fail(`setting the schema strategy of ${namespace}`, r);
    },

    async getSchemaValidationEnforced(namespace: string): Promise<boolean> {
      const r = await call('GET', `/admin/v2/namespaces/${namespacePath(namespace)}/schemaValidationEnforced`);
      if (!ok(r)) fail(`reading schemaValidationEnforced of ${namespace}`, r);
      return r.json === true || r.json === 'true';
    },

    async setSchemaValidationEnforced(namespace: string, enforced: boolean): Promise<void> {
      const r = await call('POST', `/admin/v2/namespaces/${namespacePath(namespace)}/schemaValidationEnforced`, enforced);
      if (!ok(r)) fail(`setting schemaValidationEnforced of ${namespace}`, r);
    },

    /**
     * The topic's own schema policies: the compatibility strategy set on the topic (null when none is), the
     * strategy and `schemaValidationEnforced` the broker applies to it (topic, else namespace, else broker
     * setting). Undefined when the topic does not exist: topic policies need an existing topic.
     */
    async getTopicSchemaPolicies(topic: string): Promise<TopicSchemaPolicies | undefined> {
      const t = parseTopicName(topic);
      const path = `/admin/v2/${t.persistent ? 'persistent' : 'non-persistent'}/${topicPath(t)}`;
      const override = await call('GET', `${path}/schemaCompatibilityStrategy`);
      if (override.status === 404) return undefined;
      if (!ok(override)) fail(`reading the schema strategy of ${topic}`, override);
      const applied = await call('GET', `${path}/schemaCompatibilityStrategy?applied=true`);
      if (!ok(applied)) fail(`reading the applied schema strategy of ${topic}`, applied);
      const enforced = await call('GET', `${path}/schemaValidationEnforced?applied=true`);
      if (!ok(enforced)) fail(`reading schemaValidationEnforced of ${topic}`, enforced);
      const strategy = (j: unknown) => (typeof j === 'string' && j.trim() && j !== 'UNDEFINED' ? j.replace(/"/g, '') : null);
      return {
        strategyOverride: strategy(override.json),
        appliedStrategy: strategy(applied.json),
        schemaValidationEnforced: enforced.json === true || enforced.json === 'true',
      };
    },

    /**
     * Backlog per subscription of a topic (topic stats; summed over partitions for a partitioned topic),
     * with the publish time of the oldest unacknowledged message where the broker reports it.
     * Undefined when the topic does not exist.
     */
    async subscriptionBacklogs(topic: string): Promise<SubscriptionBacklog[] | undefined> {
      const t = parseTopicName(topic);
      const path = `/admin/v2/${t.persistent ? 'persistent' : 'non-persistent'}/${topicPath(t)}`;
      let r = await call('GET', `${path}/stats?getEarliestTimeInBacklog=true`);
      // A partitioned topic has no stats of its own; its partitioned-stats sum the partitions.
      if (r.status === 404 || r.status === 409) r = await call('GET', `${path}/partitioned-stats?getEarliestTimeInBacklog=true`);
      if (r.status === 404) return undefined;
      if (!ok(r)) fail(`reading the stats of ${topic}`, r);
      const subs = (r.json as { subscriptions?: Record<string, { msgBacklog?: number; unackedMessages?: number; earliestMsgPublishTimeInBacklog?: number; consumers?: unknown[] }> }).subscriptions ?? {};
      return Object.entries(subs).map(([name, s]) => ({
        name, msgBacklog: Number(s.msgBacklog ?? 0), unacked: Number(s.unackedMessages ?? 0), consumers: Array.isArray(s.consumers) ? s.consumers.length : 0,
        oldestPublishTime: typeof s.earliestMsgPublishTimeInBacklog === 'number' && s.earliestMsgPublishTimeInBacklog > 0 ? new Date(s.earliestMsgPublishTimeInBacklog) : undefined,
      }));
    },

    async createPartitionedTopic(topic: string, partitions: number): Promise<void> {
      const t = parseTopicName(topic);
      const r = await call('PUT', `/admin/v2/${t.persistent ? 'persistent' : 'non-persistent'}/${topicPath(t)}/partitions`, partitions);
      if (!ok(r) && r.status !== 409) fail(`creating partitioned topic ${topic}`, r);
    },
  };
}

export type PulsarAdmin = ReturnType<typeof makePulsarAdmin>;
