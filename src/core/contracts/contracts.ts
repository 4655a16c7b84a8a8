// The contracts service: DAG versions with their immutable contracts, recorded pre-deploy checks, and
// deployments per environment behind the check gate. Every mutation is audited. No transport, no SQL.
import type { AuditLog } from '../audit.js';
import type { Principal } from '../auth.js';
import { DagpactError, errors, isDagpactError } from '../errors.js';
import type { FormatLookup, ParsedSchema } from '../formats/types.js';
import type { Registry } from '../registry/types.js';
import type { SchemaCompute } from '../compute/port.js';
import { closest } from '../suggest.js';
import { runCheck, type Companion } from './check.js';
import { labelOf, pairProblems, planDeployOrder, type Compare, type DagSchemas, type OrderConstraint } from './deploy-order.js';
import { contractHash, contractIdentity, diffIdentities, type ContractIdentity, type EntryIdentity } from './identity.js';
import { checkManifestLength, parseManifest, readManifestText, topicParts } from './manifest.js';
import { pinEntries, textForPulsar } from './resolve.js';
import type {
  ActiveVersion, AirflowDagVersions, CheckFinding, CheckRecord, ContractEntry, ContractStore, DagVersionRecord, DagVersionRef, DeploymentRecord,
  EnvironmentRecord, PulsarSchemas,
} from './types.js';
import { isPinned } from './types.js';

export interface ContractsDeps {
  store: ContractStore;
  registry: Registry;
  formats: FormatLookup;
  audit: AuditLog;
  /** Pulsar's admin API; without it checks skip Pulsar and deploys cannot push schemas. */
  pulsar?: PulsarSchemas;
  /** Airflow's REST API (AIRFLOW_URL); with it checks compare airflow_version_number with Airflow's versions. */
  airflow?: AirflowDagVersions;
  /** Where manifest YAML is read: a worker pool in the API server (docs/adr/0019); this thread by default. */
  compute?: Pick<SchemaCompute, 'readManifest'>;
}

export interface PushedSchema { topic: string; subject: string; version: number; schemaId: number; pulsarVersion: number }
/** `schemaValidationEnforced` is null when Pulsar could not describe the namespace (compatibilityStrategy says why). */
export interface NamespacePolicy { namespace: string; compatibilityStrategy: string; schemaValidationEnforced: boolean | null }

/**
 * How Pulsar treats one of the contract's topics. `exists` false: the topic is not created yet, so it has
 * no policies of its own and will get its namespace's (see `namespaces`). `error` says why Pulsar could not
 * describe it (the other fields are then null).
 */
export interface TopicPolicy {
  topic: string;
  exists: boolean;
  strategyOverride: string | null;
  appliedStrategy: string | null;
  schemaValidationEnforced: boolean | null;
  error?: string;
}

export interface DeployResult {
  deployment: DeploymentRecord;
  /** True when the version was already the active one there: no new deployment was recorded. */
  alreadyActive: boolean;
  /** Produced schemas that joined their subject's history with this deployment. */
  pinned: Array<{ topic: string; subject: string; version: number; schemaId: number }>;
  pushed: PushedSchema[];
  /** The Pulsar namespaces of the contract's topics and how they enforce schemas (when Pulsar is configured). */
  namespaces: NamespacePolicy[];
  /** Each of the contract's topics: a strategy set on the topic overrides its namespace's. */
  topics: TopicPolicy[];
}

const ENV_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

const errorCount = (check: Pick<CheckRecord, 'checks'>) => {
  const n = findingsOf(check).filter((f) => f.severity === 'error').length;
  return `${n} ${n === 1 ? 'error' : 'errors'}`;
};

export function findingsOf(check: Pick<CheckRecord, 'checks'>): CheckFinding[] {
  return check.checks.flatMap((c) => c.findings);
}

export function makeContracts(deps: ContractsDeps) {
  const { store, registry } = deps;

  /**
   * Manifest text is YAML read through the compute port (off the event loop in the API server); a
   * document is taken as is. Text over the length limit is refused here, without copying it to a worker.
   */
  const readDocument = async (input: unknown): Promise<unknown> => {
    if (typeof input !== 'string') return input;
    checkManifestLength(input);
    return deps.compute ? deps.compute.readManifest(input) : readManifestText(input);
  };

  const versionNotFound = (dagId: string, version: string) =>
    new DagpactError('DAG_VERSION_NOT_FOUND', `DAG "${dagId}" has no version "${version}"; register it first (POST /v1/dags)`);

  function validEnvironmentName(environment: string, path = '$.environment'): string {
    if (!ENV_PATTERN.test(environment)) {
      throw errors.validation('the environment name is invalid', [{ path, message: 'must be 1-100 letters, digits, _ . -' }]);
    }
    return environment;
  }

  /** The name of a declared environment; an unknown one is refused with the closest declared name. */
  async function environmentOf(environment: string): Promise<string> {
    validEnvironmentName(environment);
    if (await store.findEnvironment({ name: environment })) return environment;
    const declared = (await store.listEnvironments()).map((e) => e.name);
    const suggestion = closest(environment, declared);
    throw new DagpactError('ENVIRONMENT_NOT_FOUND',
      `environment "${environment}" is not declared${suggestion ? `; did you mean "${suggestion}"?` : ''} ` +
      `(declared: ${declared.join(', ') || 'none'}). Declare a new one first (POST /v1/environments)`,
      { details: { environment, suggestion: suggestion ?? null, declared, problems: [{ path: '$.environment', message: 'is not a declared environment' }] } });
  }

  async function createEnvironment(args: { name: string; description?: string }, actor: Principal): Promise<{ record: EnvironmentRecord; created: boolean }> {
    const name = validEnvironmentName(args.name, '$.name');
    const result = await store.insertEnvironment({ name, description: args.description?.trim() || null, createdBy: actor.id });
    if (result.created) {
      await deps.audit.record({ actor: actor.id, actorName: actor.name, action: 'environment.create', targetType: 'environment', targetId: name, details: { description: result.record.description } });
    }
    return result;
  }

  /**
   * Registers the produced schemas a DAG version left unpinned under their subjects (the subject's
   * compatibility level applies) and records their versions: the first deploy is when they join history.
   */
  async function pinPending(version: DagVersionRecord, actor: Principal): Promise<{ version: DagVersionRecord; pinned: DeployResult['pinned'] }> {
    const pending = version.contract.produces.filter((e) => !isPinned(e));
    if (!pending.length) return { version, pinned: [] };
    const declared = (version.contract.declared as ContractIdentity).produces;
    const pinned: DeployResult['pinned'] = [];
    const produces: ContractEntry[] = [];
    for (const e of version.contract.produces) {
      if (isPinned(e)) { produces.push(e); continue; }
      const d = declared.find((x: EntryIdentity) => x.topic === e.topic);
      if (!d || d.schema === undefined) throw new DagpactError('INTERNAL', `the contract of ${version.dagId}@${version.version} has no declared schema for ${e.topic}`);
      const schema = typeof d.schema === 'string' ? d.schema : JSON.stringify(d.schema);
      try {
        const reg = await registry.register({ subject: e.subject, schema, format: e.format, references: d.references ?? [] }, actor);
        produces.push({ ...e, version: reg.version, schemaId: reg.id });
        pinned.push({ topic: e.topic, subject: e.subject, version: reg.version, schemaId: reg.id });
      } catch (error) {
        if (isDagpactError(error) && error.code === 'INCOMPATIBLE_SCHEMA') {
          throw new DagpactError('INCOMPATIBLE_SCHEMA',
            `${version.dagId}@${version.version} writes to ${e.topic} a schema that subject "${e.subject}" refuses: ${error.message}. Nothing was deployed`,
            { details: error.details });
        }
        throw error;
      }
    }
    return { version: await store.pinProduced({ dagVersionId: version.id, produces }), pinned };
  }

  async function registerVersion(input: unknown, actor: Principal): Promise<{ record: DagVersionRecord; created: boolean }> {
    const manifest = parseManifest(await readDocument(input));
    const identity = contractIdentity(manifest);
    const hash = contractHash(identity);
    const conflictOr = (existing: DagVersionRecord) => {
      if (existing.contractHash === hash) return { record: existing, created: false };
      const differences = diffIdentities(existing.contract.declared as ContractIdentity, identity);
      throw new DagpactError('CONTRACT_CONFLICT',
        `DAG ${manifest.dagId} version ${manifest.version} is already registered with a different contract, and contracts are immutable: ` +
        `${differences.slice(0, 5).map((d) => `${d.path} ${d.change}`).join('; ')}. Register the change under a new version`,
        { details: { dag_id: manifest.dagId, version: manifest.version, differences } });
    };
    const existing = await store.findDagVersion({ dagId: manifest.dagId, version: manifest.version });
    if (existing) return conflictOr(existing);

    const consumes = await pinEntries(registry, deps.formats, manifest.consumes.map((entry, i) => ({ entry, at: `$.consumes[${i}]` })), actor);
    // Produced schemas new to their subject join its history at the first deploy, not now (ADR 0015).
    const produces = await pinEntries(registry, deps.formats, manifest.produces.map((entry, i) => ({ entry, at: `$.produces[${i}]` })), actor, { defer: true });
    const result = await store.insertDagVersion({
      dagId: manifest.dagId, version: manifest.version, airflowVersionNumber: manifest.airflowVersionNumber,
      contract: { consumes, produces, declared: identity }, contractHash: hash, createdBy: actor.id,
      audit: () => ({
        actor: actor.id, actorName: actor.name, action: 'dag_version.register', targetType: 'dag_version', targetId: `${manifest.dagId}@${manifest.version}`,
        details: { contract_hash: hash, consumes: consumes.map((c) => `${c.topic} ${c.subject} v${c.version}`), produces: produces.map((p) => `${p.topic} ${p.subject} ${p.version === null ? '(pinned at first deploy)' : `v${p.version}`}`) },
      }),
    });
    if (!result.created) return conflictOr(result.record); // a concurrent registration won the race
    return result;
  }

  /** A DAG version's produced schemas that join their subject at its first deploy, parsed, by topic. */
  async function pendingOf(dagVersion: DagVersionRecord): Promise<Map<string, ParsedSchema>> {
    const pending = new Map<string, ParsedSchema>();
    const declared = (dagVersion.contract.declared as ContractIdentity).produces;
    for (const e of dagVersion.contract.produces.filter((p) => !isPinned(p))) {
      const d = declared.find((x) => x.topic === e.topic);
      if (d?.schema === undefined) continue;
      const schema = typeof d.schema === 'string' ? d.schema : JSON.stringify(d.schema);
      pending.set(e.topic, await registry.parse({ schema, format: e.format, references: d.references ?? [] }));
    }
    return pending;
  }

  /** What a DAG version reads and writes, parsed: the input of the deploy order. */
  /** backwardIssues through the registry's compute port (off the event loop in the API server). */
  const compare: Compare = async (reader, writer) => (await registry.compareSchemas([{ reader, writer }]))[0]!;

  async function schemasOf(dagVersion: DagVersionRecord): Promise<DagSchemas> {
    const pending = await pendingOf(dagVersion);
    const reads: DagSchemas['reads'] = new Map();
    const writes: DagSchemas['writes'] = new Map();
    for (const c of dagVersion.contract.consumes.filter(isPinned)) reads.set(c.topic, { format: c.format, parsed: await registry.lazyParsedById({ id: c.schemaId }) });
    for (const p of dagVersion.contract.produces) {
      const parsed = isPinned(p) ? await registry.lazyParsedById({ id: p.schemaId }) : pending.get(p.topic);
      if (parsed) writes.set(p.topic, { format: p.format, parsed });
    }
    return { dagVersion, reads, writes };
  }

  /** Registered DAG versions deployed together with a checked one, with their new produced schemas parsed. */
  async function companions(list: Array<{ dagId: string; version: string }>): Promise<Companion[]> {
    return Promise.all(list.map(async ({ dagId, version }, i) => {
      const dagVersion = await store.findDagVersion({ dagId, version });
      if (!dagVersion) {
        throw new DagpactError('DAG_VERSION_NOT_FOUND', `DAG "${dagId}" has no version "${version}" (together[${i}]); register it first (POST /v1/dags)`,
          { details: { problems: [{ path: `$.together[${i}]`, message: 'is not a registered DAG version' }] } });
      }
      return { dagVersion, pending: await pendingOf(dagVersion) };
    }));
  }

  /**
   * A version checked together with others (its latest check's `together`) may go live without them
   * only if it can work beside what is active of their DAGs now: otherwise the change is incomplete.
   * `alongside` are the DAG ids deployed in the same request (the order takes care of those).
   */
  async function assertChangeComplete(found: DagVersionRecord, check: CheckRecord, active: ActiveVersion[], alongside: Set<string>): Promise<void> {
    const missing: Array<{ ref: DagVersionRef; because: string }> = [];
    for (const ref of check.together) {
      if (alongside.has(ref.dagId)) continue;
      const current = active.find((a) => a.dagVersion.dagId === ref.dagId)?.dagVersion;
      if (!current || current.version === ref.version) continue;
      const [mine, theirs] = await Promise.all([schemasOf(found), schemasOf(current)]);
      const problems = [...await pairProblems(compare, mine, theirs), ...await pairProblems(compare, theirs, mine)];
      if (problems.length) {
        const p = problems[0]!;
        missing.push({ ref, because: `${p.reader} cannot read what ${p.writer} writes on ${p.topic} (${p.issue})` });
      }
    }
    if (!missing.length) return;
    const names = missing.map((m) => `${m.ref.dagId}@${m.ref.version}`);
    throw new DagpactError('CHANGE_INCOMPLETE',
      `${labelOf(found)} was checked together with ${names.join(', ')} (check ${check.id}) and passes only with ${missing.length === 1 ? 'it' : 'them'}: ` +
      `${missing.map((m) => m.because).join('; ')}. Deploy the whole change in one request (dagpact deploy with every manifest of the change), ` +
      'or force (admin) with a reason',
      { details: { check_id: check.id, missing: missing.map((m) => ({ dag_id: m.ref.dagId, version: m.ref.version, because: m.because })) } });
  }

  async function check(args: { manifest: unknown; environment: string; pulsar?: boolean; together?: Array<{ dagId: string; version: string }> }, actor: Principal): Promise<CheckRecord> {
    const environment = await environmentOf(args.environment);
    // Parsed once: the text is read into a document, which is both validated and stored.
    const document = await readDocument(args.manifest);
    const manifest = parseManifest(document);
    const usePulsar = args.pulsar ?? deps.pulsar !== undefined;
    if (usePulsar && !deps.pulsar) {
      throw errors.badRequest('this server has no Pulsar admin API configured (PULSAR_ADMIN_URL); run the check with "pulsar": false or configure it');
    }
    const active = await store.activeVersions({ environment });
    const together = await companions(args.together ?? []);
    const checks = await runCheck({ registry, formats: deps.formats, pulsar: deps.pulsar, ...(deps.airflow ? { airflow: deps.airflow } : {}) },
      { manifest, environment, active, pulsar: usePulsar, together });
    // What was not compared, and why: a check that silently skips looks like a check that passed.
    const skipped = (name: string, topic: string, kind: 'drift' | 'airflow-dag-version', message: string) =>
      checks.push({ name, topic, direction: 'consume', kind, status: 'passed', findings: [{ severity: 'info', kind, topic, direction: 'consume', rule: 'SKIPPED', message }] });
    if (!usePulsar) {
      skipped('Pulsar comparisons', 'pulsar', 'drift', deps.pulsar
        ? 'the check was asked to leave Pulsar out (pulsar: false)'
        : 'the server has no Pulsar admin API configured (PULSAR_ADMIN_URL): topic schemas and drift were not compared');
    }
    if (!deps.airflow && manifest.airflowVersionNumber !== undefined) {
      skipped(`${manifest.dagId}: airflow_version_number vs Airflow`, `airflow:${manifest.dagId}`, 'airflow-dag-version',
        'the server has no AIRFLOW_URL: airflow_version_number was not compared with Airflow\'s versions of the DAG');
    }
    const passed = checks.every((c) => c.status === 'passed');
    const record = await store.insertCheck({
      environment, dagId: manifest.dagId, version: manifest.version, manifest: document, passed, checks, requestedBy: actor.id,
      together: together.filter((c) => c.dagVersion.dagId !== manifest.dagId).map((c) => ({ dagId: c.dagVersion.dagId, version: c.dagVersion.version })),
      audit: (r) => ({
        actor: actor.id, actorName: actor.name, action: 'check.run', targetType: 'dag_version', targetId: `${manifest.dagId}@${manifest.version}`,
        details: { check_id: r.id, environment, passed, errors: findingsOf(r).filter((f) => f.severity === 'error').length },
      }),
    });
    return record;
  }

  async function getCheck(id: number): Promise<CheckRecord> {
    const record = await store.findCheck({ id });
    if (!record) throw new DagpactError('CHECK_NOT_FOUND', `check ${id} does not exist`);
    return record;
  }

  async function namespacePolicies(topics: string[]): Promise<NamespacePolicy[]> {
    if (!deps.pulsar) return [];
    const namespaces = [...new Set(topics.map((t) => topicParts(t).namespace))].sort();
    // Reported after the deployment is recorded, so a namespace Pulsar cannot describe is reported, not an error.
    return Promise.all(namespaces.map(async (namespace) => {
      try {
        return {
          namespace,
          compatibilityStrategy: await deps.pulsar!.getSchemaCompatibilityStrategy(namespace),
          schemaValidationEnforced: await deps.pulsar!.getSchemaValidationEnforced(namespace) as boolean | null,
        };
      } catch (error) {
        return { namespace, compatibilityStrategy: `unavailable: ${(error as Error).message}`, schemaValidationEnforced: null };
      }
    }));
  }

  async function topicPolicies(topics: string[]): Promise<TopicPolicy[]> {
    if (!deps.pulsar) return [];
    return Promise.all([...new Set(topics)].sort().map(async (topic): Promise<TopicPolicy> => {
      try {
        const p = await deps.pulsar!.getTopicSchemaPolicies(topic);
        if (!p) return { topic, exists: false, strategyOverride: null, appliedStrategy: null, schemaValidationEnforced: null };
        return { topic, exists: true, ...p };
      } catch (error) {
        return { topic, exists: false, strategyOverride: null, appliedStrategy: null, schemaValidationEnforced: null, error: (error as Error).message };
      }
    }));
  }

  /** Pushes the contract's schemas to their topics: produced first, then consumed topics it does not produce. */
  async function pushSchemas(version: DagVersionRecord): Promise<PushedSchema[]> {
    const pulsar = deps.pulsar;
    if (!pulsar) {
      throw new DagpactError('UPSTREAM_UNAVAILABLE', 'push_schemas needs Pulsar\'s admin API, which this server is not configured for (PULSAR_ADMIN_URL)');
    }
    const produced = new Set(version.contract.produces.map((p) => p.topic));
    const entries = [...version.contract.produces, ...version.contract.consumes.filter((c) => !produced.has(c.topic))].filter(isPinned);
    const pushed: PushedSchema[] = [];
    for (const e of entries) {
      const stored = await registry.getSchemaById({ id: e.schemaId });
      try {
        const schema = stored.references.length
          ? textForPulsar(deps.formats, e.format, await registry.parsedById({ id: e.schemaId }), stored.schema, true) : stored.schema;
        const pulsarVersion = await pulsar.postSchema(e.topic, { type: e.format, schema });
        pushed.push({ topic: e.topic, subject: e.subject, version: e.version, schemaId: e.schemaId, pulsarVersion });
      } catch (error) {
        // The admin adapter says INCOMPATIBLE_SCHEMA when Pulsar refuses the schema itself.
        if (isDagpactError(error) && error.code === 'INCOMPATIBLE_SCHEMA') {
          const status = error.details as { status?: number; reason?: string } | undefined;
          throw new DagpactError('INCOMPATIBLE_SCHEMA',
            `Pulsar refused ${e.subject} v${e.version} on ${e.topic}: ${status?.reason ?? error.message}. Nothing was deployed` +
            (pushed.length ? `; already pushed: ${pushed.map((p) => p.topic).join(', ')}` : ''),
            { details: { topic: e.topic, pushed, pulsar: status } });
        }
        throw error;
      }
    }
    return pushed;
  }

  async function deploy(args: {
    dagId: string; version: string; environment: string; force?: boolean; reason?: string; pushSchemas?: boolean;
    /** The DAGs deployed in the same request (deployChange). */
    alongside?: Set<string>;
  }, actor: Principal): Promise<DeployResult> {
    const environment = await environmentOf(args.environment);
    const found = await store.findDagVersion({ dagId: args.dagId, version: args.version });
    if (!found) throw versionNotFound(args.dagId, args.version);
    const active = await store.activeVersions({ environment });
    const current = active.find((a) => a.dagVersion.dagId === args.dagId);
    if (current && current.dagVersion.id === found.id && !args.pushSchemas) {
      // Redeploying the active version changes nothing: no new record (idempotent CI reruns).
      return { deployment: current.deployment, alreadyActive: true, pinned: [], pushed: [], namespaces: [], topics: [] };
    }
    const reason = args.reason?.trim() || null;
    if (args.force && !reason) {
      throw errors.validation('a forced deployment needs a reason', [{ path: '$.reason', message: 'is required when force is true' }]);
    }
    const latest = await store.latestCheck({ dagId: args.dagId, version: args.version, environment });
    const sameContract = latest !== undefined && contractHash(contractIdentity(parseManifest(latest.manifest))) === found.contractHash;
    const gateOpen = latest !== undefined && latest.passed && sameContract;
    if (!gateOpen && !args.force) {
      const why = !latest ? `no check has been run for ${args.dagId}@${args.version} in ${environment}`
        : !sameContract ? `the latest check (${latest.id}) was of a different contract than the registered one`
          : `the latest check (${latest.id}) failed with ${errorCount(latest)}`;
      throw new DagpactError('CHECK_REQUIRED', `${why}; run a passing check (POST /v1/checks) first, or deploy with force and a reason`,
        { details: { check_id: latest?.id ?? null, passed: latest?.passed ?? null } });
    }
    if (gateOpen && !args.force) await assertChangeComplete(found, latest, active, args.alongside ?? new Set());
    const { version, pinned } = await pinPending(found, actor);
    const pushed = args.pushSchemas ? await pushSchemas(version) : [];
    const deployment = await store.insertDeployment({
      environment, dagId: args.dagId, dagVersionId: version.id, checkId: latest?.id ?? null,
      forced: !gateOpen && Boolean(args.force), reason, deployedBy: actor.id,
      audit: (d) => ({
        actor: actor.id, actorName: actor.name, action: d.forced ? 'deployment.force' : 'deployment.create', targetType: 'deployment',
        targetId: `${environment}/${args.dagId}`,
        details: { deployment_id: d.id, version: args.version, check_id: d.checkId, forced: d.forced, reason, pushed: pushed.map((p) => p.topic) },
      }),
    });
    const topics = [...version.contract.consumes, ...version.contract.produces].map((e) => e.topic);
    const [namespaces, topicList] = await Promise.all([namespacePolicies(topics), topicPolicies(topics)]);
    return { deployment, alreadyActive: false, pinned, pushed, namespaces, topics: topicList };
  }

  /**
   * Deploys several DAG versions as one change, in the order that keeps every intermediate state valid
   * (deploy-order.ts), whatever order they were given in; refuses when no order does. Each one passes
   * the same gate as a single deploy. A failure part-way leaves the earlier ones deployed: a valid state.
   */
  async function deployChange(args: {
    versions: DagVersionRef[]; environment: string; force?: boolean; reason?: string; pushSchemas?: boolean;
  }, actor: Principal): Promise<{ order: string[]; constraints: OrderConstraint[]; results: DeployResult[] }> {
    const environment = await environmentOf(args.environment);
    const seen = new Set<string>();
    const found: DagVersionRecord[] = [];
    for (const [i, ref] of args.versions.entries()) {
      if (seen.has(ref.dagId)) {
        throw errors.validation(`DAG ${ref.dagId} is named twice; a change deploys one version of each DAG`, [{ path: `$.versions[${i}].dag_id`, message: 'is named twice' }]);
      }
      seen.add(ref.dagId);
      const record = await store.findDagVersion(ref);
      if (!record) {
        throw new DagpactError('DAG_VERSION_NOT_FOUND', `DAG "${ref.dagId}" has no version "${ref.version}" ($.versions[${i}]); register it first (POST /v1/dags)`,
          { details: { problems: [{ path: `$.versions[${i}]`, message: 'is not a registered DAG version' }] } });
      }
      found.push(record);
    }
    const active = await store.activeVersions({ environment });
    const members = await Promise.all(found.map(async (v) => {
      const current = active.find((a) => a.dagVersion.dagId === v.dagId)?.dagVersion;
      return { next: await schemasOf(v), ...(current ? { current: await schemasOf(current) } : {}) };
    }));
    const plan = await planDeployOrder(compare, members);
    if (!plan.ok && !args.force) {
      throw new DagpactError('DEPLOY_ORDER_IMPOSSIBLE', `${plan.message}. Nothing was deployed`, {
        details: plan.kind === 'cycle'
          ? { cycle: plan.cycle.map((c) => ({ before: c.before, after: c.after, because: c.because })) }
          : { problems: plan.problems },
      });
    }
    const order = plan.ok ? plan.order : found.map(labelOf);
    const byLabel = new Map(found.map((v) => [labelOf(v), v]));
    const results: DeployResult[] = [];
    for (const name of order) {
      const v = byLabel.get(name)!;
      results.push(await deploy({
        dagId: v.dagId, version: v.version, environment, alongside: seen,
        ...(args.force !== undefined ? { force: args.force } : {}), ...(args.reason !== undefined ? { reason: args.reason } : {}),
        ...(args.pushSchemas !== undefined ? { pushSchemas: args.pushSchemas } : {}),
      }, actor));
    }
    return { order, constraints: plan.ok ? plan.constraints : [], results };
  }

  async function undeploy(args: { dagId: string; environment: string; reason?: string }, actor: Principal): Promise<DeploymentRecord> {
    const environment = await environmentOf(args.environment);
    const active = (await store.activeVersions({ environment })).find((a) => a.dagVersion.dagId === args.dagId);
    if (!active) throw new DagpactError('DAG_NOT_FOUND', `DAG "${args.dagId}" has no active version in ${environment}`);
    const deployment = await store.insertDeployment({
      environment, dagId: args.dagId, dagVersionId: null, checkId: null, forced: false, reason: args.reason?.trim() || null, deployedBy: actor.id,
      audit: (d) => ({ actor: actor.id, actorName: actor.name, action: 'deployment.undeploy', targetType: 'deployment', targetId: `${environment}/${args.dagId}`, details: { deployment_id: d.id, was: active.dagVersion.version } }),
    });
    return deployment;
  }

  return {
    registerVersion,
    check,
    getCheck,
    deploy,
    deployChange,
    undeploy,
    async listDags() { return store.listDags(); },
    async getDag(dagId: string) {
      const dag = await store.findDag({ dagId });
      if (!dag) throw new DagpactError('DAG_NOT_FOUND', `DAG "${dagId}" is not registered`);
      return { dag, versions: await store.listDagVersions({ dagId }) };
    },
    async getVersion(dagId: string, version: string) {
      const record = await store.findDagVersion({ dagId, version });
      if (!record) {
        if (!(await store.findDag({ dagId }))) throw new DagpactError('DAG_NOT_FOUND', `DAG "${dagId}" is not registered`);
        throw versionNotFound(dagId, version);
      }
      return record;
    },
    async deployments(args: { environment?: string; dagId?: string; limit?: number }) {
      if (args.environment !== undefined) await environmentOf(args.environment);
      return store.listDeployments({ environment: args.environment, dagId: args.dagId, limit: Math.min(args.limit ?? 100, 1000) });
    },
    async active(environment: string): Promise<ActiveVersion[]> {
      return store.activeVersions({ environment: await environmentOf(environment) });
    },
    createEnvironment,
    async listEnvironments() { return store.listEnvironments(); },
  };
}

export type ContractsService = ReturnType<typeof makeContracts>;
