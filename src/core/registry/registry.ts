// makeRegistry(): the schema registry's core. Confluent's semantics (ADR 0006): one global,
// content-addressed id per distinct schema across subjects; identical re-registration returns the
// existing version; compatibility under the subject's (else global) level on every registration;
// soft then permanent delete; references resolved from the store. No transport and no SQL here.
import { hasScope, type Principal } from '../auth.js';
import type { CompatibilityLevel } from '../compat/levels.js';
import { lazyParsed, sourceOf, type SchemaSource } from '../compute/port.js';
import { DagpactError, errors } from '../errors.js';
import type { FormatProvider, ParsedSchema, SchemaFormat } from '../formats/types.js';
import { checkSubjectName, depthOf, incompatibleMessage, MAX_SCHEMA_DEPTH } from './content.js';
import { makeContext, type RegistryContext, type RegistryDeps } from './context.js';
import { fieldDiff } from './field-diff.js';
import { makeDeletes } from './registry-deletes.js';
import type { RegistryReadStore } from './store.js';
import { makeSettings } from './registry-settings.js';
import type { CompatibilityFinding, CompatibilityResult, RegisterInput, Registry, SchemaReference, SubjectVersion } from './types.js';

export type { FormatCatalog, RegistryDeps } from './context.js';

interface Candidate {
  format: SchemaFormat;
  provider: FormatProvider;
  /** Canonical form, fingerprint and source from the compute port; parsed here only if something needs it. */
  parsed: ParsedSchema;
  source: SchemaSource;
  references: SchemaReference[];
  key: string;
}

/**
 * Parses a submitted schema with its references pinned and resolved; INVALID_SCHEMA on any problem.
 * The parse (Ajv compile, a large Avro schema) runs through the compute port, off the event loop in the server.
 */
async function prepare(ctx: RegistryContext, input: { schema: string; format?: SchemaFormat; references?: SchemaReference[] }): Promise<Candidate> {
  const format = input.format ?? 'AVRO';
  const provider = ctx.provider(format);
  const references = await ctx.pinReferences(input.references ?? []);
  const source: SchemaSource = { format, text: input.schema, references: await ctx.resolveReferences(references) };
  const summary = await ctx.compute.summarize(source, references);
  return { format, provider, parsed: lazyParsed(provider, source, summary), source, references, key: summary.contentKey! };
}

/** Runs the level's table against `existing` (oldest first) and names each finding's version. */
async function judge(
  ctx: RegistryContext, candidate: Candidate, existing: SubjectVersion[], level: CompatibilityLevel, reader?: RegistryReadStore,
): Promise<CompatibilityResult> {
  if (existing.length === 0 || level === 'NONE') return { compatible: true, level, findings: [] };
  const sources = await Promise.all(existing.map((v) => ctx.sourceById(v.id, reader)));
  const verdict = await ctx.compute.compatibility({ candidate: candidate.source, existing: sources, level });
  const findings: CompatibilityFinding[] = verdict.issues.map(({ againstIndex, ...issue }) => ({
    ...issue, version: existing[againstIndex]?.version ?? 0,
  }));
  return { compatible: verdict.compatible, level, findings };
}

export function makeRegistry(deps: RegistryDeps): Registry {
  const ctx = makeContext(deps);
  const { store } = deps;

  async function register(input: RegisterInput, actor: Principal) {
    const { subject } = input;
    checkSubjectName(subject);
    const mode = await ctx.assertWritable(subject);
    const explicit = input.id !== undefined || input.version !== undefined;
    if (explicit && mode !== 'IMPORT') {
      throw new DagpactError('SUBJECT_READ_ONLY', `an explicit id or version can only be given when subject "${subject}" is in IMPORT mode`);
    }
    if (explicit && !hasScope(actor, 'admin')) {
      throw new DagpactError('FORBIDDEN', 'registering with an explicit id or version (IMPORT) needs the admin scope: ids are global to the registry');
    }
    for (const [field, value] of [['metadata', input.metadata], ['ruleSet', input.ruleSet]] as const) {
      if (depthOf(value, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH) {
        throw errors.validation(`${field} is nested more than ${MAX_SCHEMA_DEPTH} levels deep`, [{ path: `$.${field}`, message: 'is nested too deeply' }]);
      }
    }
    const candidate = await prepare(ctx, input);
    const result = await store.withSubjectLock({ subject }, async (tx) => {
      const all = await tx.findVersions({ subject, includeDeleted: true });
      const known = await tx.findSchemaByContentKey({ contentKey: candidate.key });
      const same = known && all.find((v) => !v.deleted && v.id === known.id);
      // Confluent: an identical schema returns its live version, latest or not; a soft-deleted one gets a new version.
      if (known && same && (input.version === undefined || input.version === same.version)) {
        return { id: known.id, version: same.version, created: false };
      }
      const live = all.filter((v) => !v.deleted);
      const current = live.at(-1);
      if (current && current.format !== candidate.format) {
        throw new DagpactError('INVALID_SCHEMA',
          `subject "${subject}" holds ${current.format} schemas; a ${candidate.format} schema cannot be added to it. ` +
          'Register it under another subject (or delete this subject\'s versions first)',
          { details: { problems: [{ path: '$.schemaType', message: `must be ${current.format} for this subject` }] } });
      }
      if (mode !== 'IMPORT') {
        const level = await ctx.effectiveCompatibility(subject, tx);
        const verdict = await judge(ctx, candidate, live, level, tx);
        if (!verdict.compatible) {
          throw new DagpactError('INCOMPATIBLE_SCHEMA', incompatibleMessage(subject, level, verdict.findings),
            { details: { level, findings: verdict.findings } });
        }
      } else if (input.id !== undefined) {
        if (known && known.id !== input.id) throw new DagpactError('CONFLICT', `this schema is already registered with id ${known.id}, not ${input.id}`);
        const holder = await tx.findSchemaById({ id: input.id });
        if (holder && holder.id !== known?.id) throw new DagpactError('CONFLICT', `id ${input.id} already holds a different schema`);
      }
      const stored = known ?? await tx.insertSchema({
        format: candidate.format, contentKey: candidate.key, fingerprint: candidate.parsed.fingerprint,
        canonical: candidate.parsed.canonical, schemaText: input.schema, references: candidate.references, id: input.id,
      });
      let version = all.reduce((max, v) => Math.max(max, v.version), 0) + 1;
      if (input.version !== undefined) {
        if (all.some((v) => v.version === input.version)) throw new DagpactError('CONFLICT', `subject "${subject}" already has a version ${input.version}`);
        version = input.version;
      }
      await tx.insertVersion({
        subject, version, format: candidate.format, schemaId: stored.id, references: candidate.references,
        metadata: input.metadata, ruleSet: input.ruleSet,
      });
      await tx.recordAudit({
        actor: actor.id, actorName: actor.name, action: 'schema.register', targetType: 'subject', targetId: subject,
        details: { version, id: stored.id, format: candidate.format },
      });
      return { id: stored.id, version, created: true };
    });
    if (result.created) ctx.rememberParsed(result.id, candidate.parsed);
    return { ...result, subject };
  }

  const registry: Registry = {
    register,

    async lookup(input) {
      const candidate = await prepare(ctx, input);
      const versions = await ctx.subjectVersions(input.subject, input.includeDeleted ?? false);
      const known = await store.findSchemaByContentKey({ contentKey: candidate.key });
      // Newest first: with deleted=true a live version wins over an older deleted one.
      const match = known && [...versions].reverse().find((v) => v.id === known.id);
      if (!match) throw new DagpactError('SCHEMA_NOT_FOUND', `subject "${input.subject}" has no version with this schema`);
      return match;
    },

    listSubjects: ({ includeDeleted, prefix }) => store.listSubjects({ includeDeleted: includeDeleted ?? false, prefix }),

    async listVersions({ subject, includeDeleted }) {
      return (await ctx.subjectVersions(subject, includeDeleted ?? false)).map((v) => v.version);
    },

    async getVersion({ subject, version, includeDeleted }) {
      const all = await ctx.subjectVersions(subject, true);
      return ctx.selectVersion(subject, all, version, includeDeleted ?? false);
    },

    getSchemaById: ({ id }) => ctx.storedById(id),
    peekVersion: ({ subject, version, includeDeleted }) => ctx.peekVersion(subject, version, includeDeleted ?? false),
    peekSchemaById: ({ id }) => ctx.peekStoredById(id),
    parsedById: ({ id }) => ctx.parsedById(id),
    lazyParsedById: ({ id }) => ctx.lazyParsedById(id),
    compareSchemas: (pairs) => ctx.compute.backwardIssues(pairs.map(({ reader, writer }) => ({ reader: sourceOf(reader), writer: sourceOf(writer) }))),
    findSchemaByFingerprint: (args) => store.findSchemaByFingerprint(args),

    async subjectsForSchema({ id, includeDeleted }) {
      await ctx.storedById(id);
      const rows = await store.findVersionsBySchema({ id, includeDeleted: includeDeleted ?? false });
      return [...new Set(rows.map((r) => r.subject))];
    },

    async versionsForSchema({ id, includeDeleted }) {
      await ctx.storedById(id);
      const rows = await store.findVersionsBySchema({ id, includeDeleted: includeDeleted ?? false });
      return rows.map(({ subject, version }) => ({ subject, version }));
    },

    async referencedBy({ subject, version }) {
      const target = ctx.selectVersion(subject, await ctx.subjectVersions(subject, true), version, false);
      const referrers = await store.findReferrers({ subject, version: target.version, includeDeleted: false });
      return [...new Set(referrers.map((r) => r.id))];
    },

    async checkCompatibility({ subject, schema, format, references, version }) {
      const candidate = await prepare(ctx, { schema, format, references });
      const level = await ctx.effectiveCompatibility(subject);
      let existing: SubjectVersion[];
      if (version !== undefined) {
        existing = [ctx.selectVersion(subject, await ctx.subjectVersions(subject, true), version, false)];
      } else {
        existing = await store.findVersions({ subject, includeDeleted: false });
      }
      const current = existing.at(-1);
      if (current && current.format !== candidate.format) {
        throw new DagpactError('INVALID_SCHEMA', `subject "${subject}" holds ${current.format} schemas, not ${candidate.format}`,
          { details: { problems: [{ path: '$.schemaType', message: `must be ${current.format} for this subject` }] } });
      }
      return judge(ctx, candidate, existing, level);
    },

    async parse({ schema, format, references }) {
      return (await prepare(ctx, { schema, format, references })).parsed;
    },

    async diff({ subject, from, to }) {
      const all = await ctx.subjectVersions(subject, true);
      const newer = ctx.selectVersion(subject, all, to ?? 'latest', false);
      let older: SubjectVersion | undefined;
      if (from !== undefined) older = ctx.selectVersion(subject, all, from, false);
      else older = all.filter((v) => !v.deleted && v.version < newer.version).at(-1);
      if (!older) throw new DagpactError('VERSION_NOT_FOUND', `subject "${subject}" has no version before ${newer.version} to compare with; give "from"`);
      if (older.format !== newer.format) throw new DagpactError('BAD_REQUEST', `versions ${older.version} and ${newer.version} have different formats`);
      ctx.provider(newer.format);
      const [a, b] = await Promise.all([ctx.sourceById(older.id), ctx.sourceById(newer.id)]);
      const [backwardIssues, forwardIssues] = await ctx.compute.backwardIssues([{ reader: b, writer: a }, { reader: a, writer: b }]);
      const backward = backwardIssues!.map((i) => ({ ...i, direction: 'backward' as const, version: older.version }));
      const forward = forwardIssues!.map((i) => ({ ...i, direction: 'forward' as const, version: newer.version }));
      return {
        subject, format: newer.format,
        from: { version: older.version, id: older.id }, to: { version: newer.version, id: newer.id },
        backward: { compatible: backward.length === 0, findings: backward },
        forward: { compatible: forward.length === 0, findings: forward },
        changes: fieldDiff(newer.format, JSON.parse(older.schema), JSON.parse(newer.schema)),
      };
    },

    formats: () => deps.formats.list(),

    ...makeDeletes(ctx),
    ...makeSettings(ctx),
  };
  return registry;
}
