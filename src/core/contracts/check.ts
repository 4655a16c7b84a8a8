// The pre-deploy check: for a manifest and an environment, every comparison that decides whether the
// DAG version can safely go live there (see ADR 0007). Consumed topics: can the DAG's reader schema
// read the subject's latest version, the schema on the Pulsar topic, and what the producers active in
// the environment write? Produced topics: can every consumer active there read the new writer schema,
// does the subject's own level allow it, would Pulsar accept it? Plus drift between registry and Pulsar.
// Pure over its ports: registry, formats, the store's active versions, and Pulsar's admin API.
import { isDagpactError } from '../errors.js';
import type { CompatibilityIssue, FormatLookup, ParsedSchema, SchemaFormat } from '../formats/types.js';
import type { Registry, SubjectVersion } from '../registry/types.js';
import { airflowContract } from './airflow-contract.js';
import { contractHash, contractIdentity } from './identity.js';
import { topicParts } from './manifest.js';
import { resolveEntry, type ResolvedEntry } from './resolve.js';
import { isPinned } from './types.js';
import type {
  AirflowDagVersions, DagVersionRecord,
  ActiveVersion, CheckFinding, TopicAccess, FindingKind, Manifest, PulsarSchemas, PulsarVerdict, SchemaSide, TopicCheck,
} from './types.js';

export interface CheckDeps {
  registry: Registry;
  formats: FormatLookup;
  pulsar?: PulsarSchemas;
  /** Airflow's REST API; with it, a manifest's airflow_version_number is compared with Airflow's versions. */
  airflow?: AirflowDagVersions;
}

type PulsarTopicSchema = { version: number; type: string; schema: string; parsed?: ParsedSchema; parseError?: string } | undefined;

const sideOf = (r: ResolvedEntry): SchemaSide => ({
  source: 'contract', subject: r.subject, ...(r.version !== undefined ? { version: r.version } : {}), ...(r.schemaId !== undefined ? { schemaId: r.schemaId } : {}),
});

function describe(side: SchemaSide): string {
  if (side.source === 'active-dag') return `${side.dagId}@${side.dagVersion} (${side.subject} ${side.version !== undefined ? `v${side.version}` : 'new version'})`;
  if (side.source === 'pulsar-topic') return `the topic's Pulsar schema (version ${side.pulsarVersion})`;
  if (side.source === 'subject-latest') return `${side.subject} latest (v${side.version})`;
  return side.version !== undefined ? `${side.subject} v${side.version}` : `the inline schema for ${side.subject}`;
}

/**
 * A registered DAG version deployed together with the checked one: it replaces its DAG's active version
 * in the comparisons. `pending` holds its produced schemas not yet in their subject, parsed, by topic.
 */
export interface Companion { dagVersion: DagVersionRecord; pending: Map<string, ParsedSchema> }

export interface CheckArgs {
  manifest: Manifest; environment: string; active: ActiveVersion[]; pulsar: boolean; together?: Companion[];
}

/** A DAG version the checked one is compared with: active in the environment, or deployed together (then `pending`). */
interface Other { dagVersion: DagVersionRecord; pending?: Map<string, ParsedSchema> }

/** One run of the check: its inputs, the comparisons recorded so far, and lookups cached for the run. */
interface CheckRun {
  deps: CheckDeps;
  manifest: Manifest;
  environment: string;
  others: Other[];
  checks: TopicCheck[];
  /** The manifest's produced entries, resolved: they say which subject holds a topic's writer schemas. */
  produced: Resolution[];
  subjectLatest(subject: string): Promise<SubjectVersion | undefined>;
  pulsarSchema(topic: string, format: SchemaFormat): Promise<PulsarTopicSchema>;
  pulsarVerdict(topic: string, r: ResolvedEntry): Promise<PulsarVerdict & { missing?: boolean }>;
}

type Resolution = Awaited<ReturnType<typeof resolveEntry>>;

/**
 * The check of a manifest against an environment, step by step: resolve the entries; for each consumed
 * entry, the reader against the subject's latest, the active producers and the topic's Pulsar schema;
 * for each produced entry, the writer against the active consumers, the subject's level and Pulsar;
 * then drift between registry and Pulsar, and what Airflow runs.
 */
export async function runCheck(deps: CheckDeps, args: CheckArgs): Promise<TopicCheck[]> {
  const run = startRun(deps, args);
  const { consumed, produced } = await resolveEntries(run);
  run.produced = produced;
  for (const res of consumed) {
    if (!res.ok) continue;
    await readerVsSubjectLatest(run, res.resolved);
    await readerVsActiveProducers(run, res.resolved);
    if (args.pulsar) await readerVsPulsarTopic(run, res.resolved);
  }
  for (const res of produced) {
    if (!res.ok) continue;
    await writerVsActiveConsumers(run, res.resolved);
    await writerVsSubjectLevel(run, res.resolved);
    if (args.pulsar) await writerVsPulsarTopic(run, res.resolved);
  }
  if (args.pulsar) await driftBetweenRegistryAndPulsar(run, consumed, produced);
  await airflowChecks(run);
  return run.checks;
}

function startRun(deps: CheckDeps, args: CheckArgs): CheckRun {
  const { manifest, environment } = args;
  const together = (args.together ?? []).filter((c) => c.dagVersion.dagId !== manifest.dagId);
  const replaced = new Set(together.map((c) => c.dagVersion.dagId));
  const others: Other[] = [
    ...args.active.filter((a) => a.dagVersion.dagId !== manifest.dagId && !replaced.has(a.dagVersion.dagId)), ...together,
  ];
  const latestCache = new Map<string, Promise<SubjectVersion | undefined>>();
  const pulsarCache = new Map<string, Promise<PulsarTopicSchema>>();
  return {
    deps, manifest, environment, others, checks: [], produced: [],
    subjectLatest(subject) {
      if (!latestCache.has(subject)) {
        latestCache.set(subject, deps.registry.getVersion({ subject, version: 'latest' }).catch((error: unknown) => {
          if (isDagpactError(error) && error.status === 404) return undefined;
          throw error;
        }));
      }
      return latestCache.get(subject)!;
    },
    pulsarSchema(topic, format) {
      if (!pulsarCache.has(topic)) {
        pulsarCache.set(topic, deps.pulsar!.getSchema(topic).then((info) => {
          if (!info) return undefined;
          if (info.type !== format) return { ...info, parseError: `its type is ${info.type}, not ${format}` };
          // Parsed through the registry's compute port (off the event loop in the API server); nothing is stored.
          return deps.registry.parse({ schema: info.schema, format }).then(
            (parsed) => ({ ...info, parsed }),
            (error: unknown) => {
              if (!isDagpactError(error) || error.status >= 500) throw error;
              return { ...info, parseError: `it does not parse as ${format}: ${(error as Error).message}` };
            },
          );
        }));
      }
      return pulsarCache.get(topic)!;
    },
    async pulsarVerdict(topic, r) {
      try {
        const v = await deps.pulsar!.testCompatibility(topic, { type: r.format, schema: r.pulsarText });
        return { compatible: v.compatible, strategy: v.strategy, ...(v.reason ? { reason: v.reason } : {}) };
      } catch (error) {
        // Pulsar refused the question (its tenant or namespace does not exist): a verdict about the topic, not an outage.
        if (!isDagpactError(error) || error.code !== 'UPSTREAM_REJECTED') throw error;
        const details = (error.details ?? {}) as { reason?: string };
        return { compatible: false, strategy: 'unknown', reason: details.reason ?? error.message, missing: true };
      }
    },
  };
}

function add(run: CheckRun, name: string, topic: string, direction: TopicAccess, kind: FindingKind, findings: CheckFinding[]): void {
  run.checks.push({ name, topic, direction, kind, status: findings.some((f) => f.severity === 'error') ? 'failed' : 'passed', findings });
}

/** backwardIssues(reader, writer) through the registry's compute port: off the event loop in the API server. */
const compare = async (run: CheckRun, reader: ParsedSchema, writer: ParsedSchema): Promise<CompatibilityIssue[]> =>
  (await run.deps.registry.compareSchemas([{ reader, writer }]))[0]!;

const issuesToFindings = (issues: CompatibilityIssue[], base: Omit<CheckFinding, 'path' | 'rule' | 'message' | 'severity'>, lead: string): CheckFinding[] =>
  issues.map((i) => ({ ...base, severity: 'error', path: i.path, rule: i.rule, message: `${lead}: ${i.message}` }));

const where = (run: CheckRun, a: Other) => (a.pending ? `${run.environment} (deployed together)` : run.environment);

/** Resolves every entry to a schema; an entry that does not resolve is a failed check of its own. */
async function resolveEntries(run: CheckRun): Promise<{ consumed: Resolution[]; produced: Resolution[] }> {
  const { registry, formats } = run.deps;
  const resolve = (list: Manifest['consumes'], direction: 'consumes' | 'produces') =>
    Promise.all(list.map((entry, i) => resolveEntry(registry, formats, entry, `$.${direction}[${i}]`)));
  const consumed = await resolve(run.manifest.consumes, 'consumes');
  const produced = await resolve(run.manifest.produces, 'produces');
  for (const [direction, list] of [['consume', consumed], ['produce', produced]] as const) {
    for (const r of list) {
      if (r.ok) continue;
      add(run, `${r.entry.topic}: resolve ${r.entry.subject}`, r.entry.topic, direction, 'resolution',
        r.problems.map((p) => ({ severity: 'error', kind: 'resolution', topic: r.entry.topic, direction, subject: r.entry.subject, path: p.path, message: p.message })));
    }
  }
  return { consumed, produced };
}

/** (a) A reader against the subject's latest version: what a producer following the registry writes. */
async function readerVsSubjectLatest(run: CheckRun, r: ResolvedEntry): Promise<void> {
  const topic = r.entry.topic;
  const reader = sideOf(r);
  const base = { kind: 'reader-vs-subject-latest' as const, topic, direction: 'consume' as const, subject: r.subject, reader };
  const latest = await run.subjectLatest(r.subject);
  if (!latest) {
    add(run, `${topic}: reader vs ${r.subject} latest`, topic, 'consume', base.kind, [{ ...base, severity: 'info', message: `subject ${r.subject} has no versions yet; nothing to compare with` }]);
    return;
  }
  const writer: SchemaSide = { source: 'subject-latest', subject: latest.subject, version: latest.version, schemaId: latest.id };
  const issues = latest.id === r.schemaId ? [] : await compare(run, r.parsed, await run.deps.registry.lazyParsedById({ id: latest.id }));
  add(run, `${topic}: reader vs ${r.subject} latest (v${latest.version})`, topic, 'consume', base.kind,
    issuesToFindings(issues, { ...base, writer }, `${describe(reader)} cannot read ${describe(writer)}`));
}

/** (c) A reader against what the DAG versions active in the environment that produce to the topic write. */
async function readerVsActiveProducers(run: CheckRun, r: ResolvedEntry): Promise<void> {
  const topic = r.entry.topic;
  const reader = sideOf(r);
  const producers = run.others.flatMap((a) => a.dagVersion.contract.produces
    .filter((p) => p.topic === topic && (isPinned(p) || a.pending?.has(p.topic))).map((p) => ({ a, p })));
  const pf: CheckFinding[] = [];
  for (const { a, p } of producers) {
    const writer: SchemaSide = {
      source: 'active-dag', dagId: a.dagVersion.dagId, dagVersion: a.dagVersion.version, subject: p.subject,
      ...(p.version !== null ? { version: p.version } : {}), ...(p.schemaId !== null ? { schemaId: p.schemaId } : {}),
    };
    const written = p.schemaId !== null ? await run.deps.registry.lazyParsedById({ id: p.schemaId }) : a.pending!.get(p.topic)!;
    const issues = p.schemaId !== null && p.schemaId === r.schemaId ? [] : await compare(run, r.parsed, written);
    pf.push(...issuesToFindings(issues, { kind: 'reader-vs-active-producer', topic, direction: 'consume', subject: r.subject, reader, writer },
      `${describe(reader)} cannot read what ${describe(writer)} writes in ${where(run, a)}`));
  }
  if (!producers.length) {
    pf.push({ severity: 'info', kind: 'reader-vs-active-producer', topic, direction: 'consume', subject: r.subject, reader, message: `no DAG version active in ${run.environment} produces to ${topic}` });
  }
  add(run, `${topic}: reader vs active producers in ${run.environment}`, topic, 'consume', 'reader-vs-active-producer', pf);
}

/** (b) A reader against the schema on the Pulsar topic now, with Pulsar's own verdict beside dagpact's. */
async function readerVsPulsarTopic(run: CheckRun, r: ResolvedEntry): Promise<void> {
  const topic = r.entry.topic;
  const reader = sideOf(r);
  const onTopic = await run.pulsarSchema(topic, r.format);
  const kind = 'reader-vs-pulsar-topic' as const;
  if (!onTopic?.parsed) return;
  const writer: SchemaSide = { source: 'pulsar-topic', pulsarVersion: onTopic.version };
  const { missing: _missing, ...pulsar } = await run.pulsarVerdict(topic, r);
  const issues = await compare(run, r.parsed, onTopic.parsed);
  const fs = issuesToFindings(issues, { kind, topic, direction: 'consume', subject: r.subject, reader, writer, pulsar }, `${describe(reader)} cannot read ${describe(writer)}`);
  if (!fs.length) fs.push({ severity: 'info', kind, topic, direction: 'consume', subject: r.subject, reader, writer, pulsar, message: `${describe(reader)} can read ${describe(writer)}` });
  add(run, `${topic}: reader vs Pulsar topic schema`, topic, 'consume', kind, fs);
}

/** Every consumer active in the environment must read the new writer schema. */
async function writerVsActiveConsumers(run: CheckRun, r: ResolvedEntry): Promise<void> {
  const topic = r.entry.topic;
  const writer = sideOf(r);
  const consumers = run.others.flatMap((a) => a.dagVersion.contract.consumes.filter(isPinned).filter((c) => c.topic === topic).map((c) => ({ a, c })));
  const cf: CheckFinding[] = [];
  for (const { a, c } of consumers) {
    const reader: SchemaSide = { source: 'active-dag', dagId: a.dagVersion.dagId, dagVersion: a.dagVersion.version, subject: c.subject, version: c.version, schemaId: c.schemaId };
    const issues = c.schemaId === r.schemaId ? [] : await compare(run, await run.deps.registry.lazyParsedById({ id: c.schemaId }), r.parsed);
    cf.push(...issuesToFindings(issues, { kind: 'writer-vs-active-consumer', topic, direction: 'produce', subject: r.subject, reader, writer },
      `${describe(reader)}, active in ${where(run, a)}, cannot read ${describe(writer)}`));
  }
  if (!consumers.length) {
    cf.push({ severity: 'info', kind: 'writer-vs-active-consumer', topic, direction: 'produce', subject: r.subject, writer, message: `no DAG version active in ${run.environment} consumes ${topic}` });
  }
  add(run, `${topic}: active consumers in ${run.environment} vs writer`, topic, 'produce', 'writer-vs-active-consumer', cf);
}

/** The subject's own compatibility level, as a registration of the writer schema would apply it. */
async function writerVsSubjectLevel(run: CheckRun, r: ResolvedEntry): Promise<void> {
  const topic = r.entry.topic;
  const writer = sideOf(r);
  const sf: CheckFinding[] = [];
  const kind = 'writer-vs-subject-level' as const;
  if (r.schemaId !== undefined) {
    sf.push({ severity: 'info', kind, topic, direction: 'produce', subject: r.subject, writer, message: `the writer schema is ${r.subject} v${r.version}, already registered` });
  } else {
    const verdict = await run.deps.registry.checkCompatibility({
      subject: r.subject, schema: r.text, format: r.format, ...(r.entry.kind === 'inline' ? { references: r.entry.references } : {}),
    });
    for (const f of verdict.findings) {
      sf.push({
        severity: 'error', kind, topic, direction: 'produce', subject: r.subject, writer, path: f.path, rule: f.rule,
        message: `subject ${r.subject} (${verdict.level}) would refuse the writer schema: ${f.direction} against v${f.version}: ${f.message}`,
      });
    }
    if (verdict.compatible && !(await run.subjectLatest(r.subject))) {
      sf.push({ severity: 'info', kind, topic, direction: 'produce', subject: r.subject, writer, message: `subject ${r.subject} does not exist yet; deploying the DAG version creates it` });
    }
  }
  add(run, `${topic}: writer vs ${r.subject} compatibility level`, topic, 'produce', kind, sf);
}

/** Would Pulsar accept the writer schema on the topic, under the topic's strategy? */
async function writerVsPulsarTopic(run: CheckRun, r: ResolvedEntry): Promise<void> {
  const topic = r.entry.topic;
  const writer = sideOf(r);
  const { missing, ...pulsar } = await run.pulsarVerdict(topic, r);
  const kind = 'writer-vs-pulsar-topic' as const;
  const f: CheckFinding = missing
    ? { severity: 'error', kind, topic, direction: 'produce', subject: r.subject, writer, pulsar, rule: 'PULSAR_TOPIC_UNAVAILABLE',
        message: `Pulsar cannot take schemas on ${topic}: ${pulsar.reason}; create its tenant and namespace first` }
    : pulsar.compatible
    ? { severity: 'info', kind, topic, direction: 'produce', subject: r.subject, writer, pulsar, message: `Pulsar would accept the writer schema on ${topic} (strategy ${pulsar.strategy})` }
    : { severity: 'error', kind, topic, direction: 'produce', subject: r.subject, writer, pulsar, rule: 'PULSAR_INCOMPATIBLE',
        message: `Pulsar refuses the writer schema on ${topic} under strategy ${pulsar.strategy}: producers using it would be rejected by the broker` };
  add(run, `${topic}: writer vs Pulsar topic`, topic, 'produce', kind, [f]);
}

/** One drift check per topic of the manifest (consumed first). */
async function driftBetweenRegistryAndPulsar(run: CheckRun, consumed: Resolution[], produced: Resolution[]): Promise<void> {
  const seen = new Set<string>();
  for (const res of [...consumed, ...produced]) {
    if (!res.ok || seen.has(res.resolved.entry.topic)) continue;
    const r = res.resolved;
    const topic = r.entry.topic;
    seen.add(topic);
    const direction: TopicAccess = consumed.includes(res) ? 'consume' : 'produce';
    add(run, `${topic}: drift between registry and Pulsar`, topic, direction, 'drift', await drift(run, r, direction));
  }
}

/** What Airflow runs: the version number the manifest names, and the contract the DAG declares. */
async function airflowChecks(run: CheckRun): Promise<void> {
  const { airflow } = run.deps;
  const { manifest } = run;
  if (airflow && manifest.airflowVersionNumber !== undefined) {
    const topic = `airflow:${manifest.dagId}`;
    add(run, `${manifest.dagId}: airflow_version_number vs Airflow`, topic, 'consume', 'airflow-dag-version',
      await airflowVersion(airflow, manifest.dagId, manifest.airflowVersionNumber, topic));
  }
  const getDag = airflow?.getDag?.bind(airflow);
  if (airflow && getDag) {
    const topic = `airflow:${manifest.dagId}`;
    add(run, `${manifest.dagId}: declared contract vs Airflow`, topic, 'consume', 'airflow-dag-contract',
      await airflowContract({ baseUrl: airflow.baseUrl, getDag }, manifest.dagId, contractHash(contractIdentity(manifest)), topic));
  }
}

/** The subject the registry holds the topic's writer schemas in: this manifest's or an active producer's, else `<topic>-value`. */
async function topicSubject(run: CheckRun, r: ResolvedEntry): Promise<string> {
  const topic = r.entry.topic;
  const here = run.produced.find((p) => p.ok && p.resolved.entry.topic === topic);
  if (here?.ok) return here.resolved.subject;
  const active = run.others.flatMap((a) => a.dagVersion.contract.produces).find((p) => p.topic === topic);
  if (active) return active.subject;
  const conventional = `${topicParts(topic).local}-value`;
  return (await run.subjectLatest(conventional)) ? conventional : r.subject;
}

async function drift(run: CheckRun, r: ResolvedEntry, direction: TopicAccess): Promise<CheckFinding[]> {
  const { registry } = run.deps;
  const topic = r.entry.topic;
  const subject = await topicSubject(run, r);
  const base = { kind: 'drift' as const, topic, direction, subject };
  const onTopic = await run.pulsarSchema(topic, r.format);
  if (!onTopic) {
    return [{ ...base, severity: 'warning', rule: 'TOPIC_HAS_NO_SCHEMA', message: `${topic} has no schema on Pulsar, so the broker enforces none; deploy with push_schemas to set ${subject}'s` }];
  }
  const writer: SchemaSide = { source: 'pulsar-topic', pulsarVersion: onTopic.version };
  if (!onTopic.parsed) {
    return [{ ...base, writer, severity: 'warning', rule: 'TOPIC_SCHEMA_NOT_COMPARABLE', message: `the schema on ${topic} (Pulsar version ${onTopic.version}) cannot be compared: ${onTopic.parseError}` }];
  }
  const known = await registry.findSchemaByFingerprint({ format: r.format, fingerprint: onTopic.parsed.fingerprint });
  if (!known) {
    return [{ ...base, writer, severity: 'warning', rule: 'TOPIC_SCHEMA_UNKNOWN', message: `the schema on ${topic} (Pulsar version ${onTopic.version}) is not registered in dagpact: someone pushed it to Pulsar directly` }];
  }
  const latest = await run.subjectLatest(subject);
  if (latest && latest.id !== known.id) {
    const latestParsed = await registry.getSchemaById({ id: latest.id });
    if (latestParsed.fingerprint !== onTopic.parsed.fingerprint) {
      const where = (await registry.versionsForSchema({ id: known.id })).filter((v) => v.subject === subject).map((v) => `v${v.version}`);
      return [{
        ...base, severity: 'warning', rule: 'TOPIC_SCHEMA_NOT_LATEST',
        writer: { ...writer, schemaId: known.id }, reader: { source: 'subject-latest', subject: latest.subject, version: latest.version, schemaId: latest.id },
        message: `the schema on ${topic} is schema id ${known.id}${where.length ? ` (${subject} ${where.join(', ')})` : ''} but ${subject}'s latest is v${latest.version} (id ${latest.id}); ` +
          'producers on Pulsar and the registry disagree (deploy the producer with push_schemas)',
      }];
    }
  }
  return [];
}

/**
 * What Airflow says of the DAG version the manifest names. Only warnings: CI usually checks before the
 * DAG's code reaches Airflow, so Airflow lagging behind is expected then; it matters at deploy time.
 */
export async function airflowVersion(airflow: AirflowDagVersions, dagId: string, wanted: number, topic: string): Promise<CheckFinding[]> {
  const base = { kind: 'airflow-dag-version' as const, topic, direction: 'consume' as const };
  let versions: Array<{ version_number: number; bundle_version: string | null }>;
  try {
    versions = await airflow.listDagVersions({ dagId });
  } catch (error) {
    const unknownDag = isDagpactError(error) && (error.details as { status?: number } | undefined)?.status === 404;
    return [{
      ...base, severity: 'warning', rule: unknownDag ? 'AIRFLOW_DAG_UNKNOWN' : 'AIRFLOW_UNAVAILABLE',
      message: unknownDag
        ? `Airflow at ${airflow.baseUrl} has no DAG ${dagId}: its file is not deployed or not parsed yet`
        : `Airflow at ${airflow.baseUrl} could not be asked for the versions of ${dagId}: ${(error as Error).message}`,
    }];
  }
  const latest = versions.at(-1);
  const bundle = (v: { bundle_version: string | null }) => (v.bundle_version ? ` (bundle version ${v.bundle_version})` : '');
  if (!latest) {
    return [{ ...base, severity: 'warning', rule: 'AIRFLOW_DAG_UNKNOWN', message: `Airflow has no version of ${dagId} yet: its file is not deployed or not parsed yet` }];
  }
  const named = versions.find((v) => v.version_number === wanted);
  if (!named) {
    return [{
      ...base, severity: 'warning', rule: 'AIRFLOW_VERSION_UNKNOWN',
      message: `Airflow has versions 1..${latest.version_number} of ${dagId}, not ${wanted}: deploy the DAG's code to Airflow, then check airflow_version_number`,
    }];
  }
  if (named !== latest) {
    return [{
      ...base, severity: 'warning', rule: 'AIRFLOW_VERSION_NOT_LATEST',
      message: `Airflow runs version ${latest.version_number} of ${dagId}${bundle(latest)}, not ${wanted}${bundle(named)}: ` +
        'the code Airflow runs is not the one this contract describes',
    }];
  }
  return [{ ...base, severity: 'info', message: `Airflow runs version ${wanted} of ${dagId}${bundle(named)}, the one this contract describes` }];
}
