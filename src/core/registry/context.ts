// Shared machinery of the registry's modules: format lookup, the forever cache of parsed schemas,
// reference resolution, version selection, and the effective level and mode of a subject.
import type { AuditLog } from '../audit.js';
import { makeByteLru, stringBytes } from '../byte-lru.js';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel } from '../compat/levels.js';
import { makeInlineCompute } from '../compute/inline.js';
import { lazyParsed, type SchemaCompute, type SchemaSource } from '../compute/port.js';
import { DagpactError, errors } from '../errors.js';
import type { FormatProvider, ParsedSchema, ResolvedReference, SchemaFormat } from '../formats/types.js';
import type { FormatCatalog } from '../formats/index.js';
import type { RegistryReadStore, RegistryStore } from './store.js';
import type { RegistryMode, SchemaReference, StoredSchema, SubjectVersion, VersionSelector } from './types.js';

/** What makeFormats() returns: one provider per format, and their names. */
export type { FormatCatalog };

export interface RegistryLog {
  warn(obj: object, msg: string): void;
}

export interface RegistryDeps {
  store: RegistryStore;
  formats: FormatCatalog;
  audit: AuditLog;
  log?: RegistryLog;
  /** Bytes the caches of schema text and parsed schemas may hold together; default 64 MiB. */
  cacheBytes?: number;
  /**
   * Where submitted schemas are parsed and compatibility is judged: a worker pool in the API server
   * (docs/adr/0019), this thread by default.
   */
  compute?: SchemaCompute;
}

export const DEFAULT_SCHEMA_CACHE_BYTES = 64 * 1024 * 1024;

export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';
export const DEFAULT_MODE: RegistryMode = 'READWRITE';
export const MODES: readonly RegistryMode[] = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'];
export const GLOBAL_SCOPE = '';
const MAX_REFERENCE_DEPTH = 32;
/** Schema ids are PostgreSQL `integer`s: nothing outside 1..2^31-1 can exist (and querying one is a database error). */
export const MAX_SCHEMA_ID = 2_147_483_647;

export function isCompatibilityLevel(value: string): value is CompatibilityLevel {
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(value);
}

export function isMode(value: string): value is RegistryMode {
  return (MODES as readonly string[]).includes(value);
}

export type RegistryContext = ReturnType<typeof makeContext>;

export function makeContext(deps: RegistryDeps) {
  const { store } = deps;
  // Schema ids are immutable: their text and parsed form can be cached for the process's life, within
  // a byte budget (a parsed form costs several times its text; estimated as 6x).
  const budget = deps.cacheBytes ?? DEFAULT_SCHEMA_CACHE_BYTES;
  const storedCache = makeByteLru<number, StoredSchema>(Math.floor(budget / 4));
  const parsedCache = makeByteLru<number, Promise<ParsedSchema>>(budget - Math.floor(budget / 4));
  const parsedBytes = (p: ParsedSchema) => 6 * stringBytes(p.canonical);
  const compute = deps.compute ?? makeInlineCompute(deps.formats);

  function provider(format: SchemaFormat): FormatProvider {
    if (!deps.formats.list().includes(format)) {
      throw errors.invalidSchema(`schema type "${String(format)}" is not supported; use one of ${deps.formats.list().join(', ')}`,
        [{ path: '$.schemaType', message: 'is not a supported schema type' }]);
    }
    return deps.formats.get(format);
  }

  async function storedById(id: number, reader: RegistryReadStore = store): Promise<StoredSchema> {
    const cached = storedCache.get(id);
    if (cached) return cached;
    // A Confluent prefix carries an unsigned 32-bit id: one above the column's range is simply unknown.
    if (!Number.isInteger(id) || id < 1 || id > MAX_SCHEMA_ID) throw new DagpactError('SCHEMA_NOT_FOUND', `schema ${id} does not exist`);
    const stored = await reader.findSchemaById({ id });
    if (!stored) throw new DagpactError('SCHEMA_NOT_FOUND', `schema ${id} does not exist`);
    storedCache.set(id, stored, stringBytes(stored.schema) + stringBytes(stored.canonical));
    return stored;
  }

  /** Each reference pinned to an existing, live version ("latest"/-1 becomes a number). */
  async function pinReferences(refs: SchemaReference[], reader: RegistryReadStore = store): Promise<SchemaReference[]> {
    const pinned: SchemaReference[] = [];
    const names = new Set<string>();
    for (const [i, ref] of refs.entries()) {
      const path = `$.references[${i}]`;
      if (names.has(ref.name)) throw errors.invalidSchema(`reference name "${ref.name}" is given twice`, [{ path: `${path}.name`, message: 'is a duplicate' }]);
      names.add(ref.name);
      const versions = await reader.findVersions({ subject: ref.subject, includeDeleted: false });
      const found = ref.version === -1 ? versions.at(-1) : versions.find((v) => v.version === ref.version);
      if (!found) {
        throw errors.invalidSchema(`reference "${ref.name}" points to subject "${ref.subject}" version ${ref.version}, which does not exist; register it first`,
          [{ path, message: `refers to subject "${ref.subject}" version ${ref.version}, which does not exist` }]);
      }
      pinned.push({ name: ref.name, subject: ref.subject, version: found.version });
    }
    return pinned;
  }

  /** The texts behind references, transitively, dependencies first (what provider.parse takes). */
  async function resolveReferences(refs: SchemaReference[], reader: RegistryReadStore = store): Promise<ResolvedReference[]> {
    const out: ResolvedReference[] = [];
    const seen = new Set<string>();
    async function visit(list: SchemaReference[], depth: number, chain: string[]): Promise<void> {
      if (depth > MAX_REFERENCE_DEPTH) throw errors.invalidSchema(`references are nested more than ${MAX_REFERENCE_DEPTH} deep`, [{ path: '$.references', message: 'too deep' }]);
      for (const ref of list) {
        const key = `${ref.subject}\u0000${ref.version}`;
        if (chain.includes(key)) throw errors.invalidSchema(`references form a cycle through subject "${ref.subject}" version ${ref.version}`, [{ path: '$.references', message: 'cycle' }]);
        const versions = await reader.findVersions({ subject: ref.subject, includeDeleted: true });
        const target = versions.find((v) => v.version === ref.version);
        if (!target) {
          throw errors.invalidSchema(`reference "${ref.name}" points to subject "${ref.subject}" version ${ref.version}, which no longer exists`,
            [{ path: '$.references', message: `refers to subject "${ref.subject}" version ${ref.version}, which no longer exists` }]);
        }
        await visit(target.references, depth + 1, [...chain, key]);
        if (!seen.has(ref.name)) {
          seen.add(ref.name);
          out.push({ name: ref.name, schema: target.schema });
        }
      }
    }
    await visit(refs, 0, []);
    return out;
  }

  function parsedById(id: number): Promise<ParsedSchema> {
    let parsed = parsedCache.get(id);
    if (!parsed) {
      parsed = (async () => {
        const stored = await storedById(id);
        return provider(stored.format).parse(stored.schema, await resolveReferences(stored.references));
      })();
      const pending = parsed;
      parsedCache.set(id, pending, 1024);
      pending.then(
        (p) => { if (parsedCache.get(id) === pending) parsedCache.set(id, pending, parsedBytes(p)); },
        () => parsedCache.delete(id), // failures (e.g. a transient database error) are not cached
      );
    }
    return parsed;
  }

  /**
   * A stored schema as the compute port takes it: its text with its references' texts. Inside a
   * transaction pass it as `reader` (one PGlite connection cannot serve a second query meanwhile).
   */
  async function sourceById(id: number, reader: RegistryReadStore = store): Promise<SchemaSource> {
    const parsed = parsedCache.get(id);
    const known = parsed && (await parsed.catch(() => undefined))?.source;
    if (known) return known;
    const stored = await storedById(id, reader);
    return { format: stored.format, text: stored.schema, references: await resolveReferences(stored.references, reader) };
  }

  /**
   * A stored schema with its canonical form, fingerprint and source known without parsing it here; its
   * provider-private form is parsed in this thread only if something needs it (see compute/port.ts).
   */
  async function lazyParsedById(id: number): Promise<ParsedSchema> {
    const cached = parsedCache.get(id);
    if (cached) return cached;
    const stored = await storedById(id);
    return lazyParsed(provider(stored.format), await sourceById(id), stored);
  }

  function rememberParsed(id: number, parsed: ParsedSchema) {
    if (!parsedCache.has(id)) parsedCache.set(id, Promise.resolve(parsed), parsedBytes(parsed));
  }

  /** A subject's versions; SUBJECT_NOT_FOUND when it has none that the caller may see. */
  async function subjectVersions(subject: string, includeDeleted: boolean, reader: RegistryReadStore = store): Promise<SubjectVersion[]> {
    const all = await reader.findVersions({ subject, includeDeleted });
    if (all.length === 0) throw new DagpactError('SUBJECT_NOT_FOUND', `subject "${subject}" does not exist`);
    return all;
  }

  /** The version a selector names among a subject's versions (oldest first); undefined when none is visible. */
  function pickVersion(versions: readonly SubjectVersion[], selector: VersionSelector, includeDeleted: boolean): SubjectVersion | undefined {
    if (selector !== 'latest') return versions.find((v) => v.version === selector && (includeDeleted || !v.deleted));
    for (let i = versions.length - 1; i >= 0; i--) {
      if (includeDeleted || !versions[i]!.deleted) return versions[i];
    }
    return undefined;
  }

  /** A cached subject version, as selectVersion picks it; undefined when not cached or not found. */
  function peekVersion(subject: string, selector: VersionSelector, includeDeleted: boolean): SubjectVersion | undefined {
    const all = store.cachedVersions?.(subject);
    return all && pickVersion(all, selector, includeDeleted);
  }

  /** A cached schema by id; undefined when not cached. */
  function peekStoredById(id: number): StoredSchema | undefined {
    return storedCache.get(id);
  }

  /** Picks a version out of a subject's versions (oldest first). */
  function selectVersion(subject: string, versions: SubjectVersion[], selector: VersionSelector, includeDeleted: boolean): SubjectVersion {
    const found = pickVersion(versions, selector, includeDeleted);
    if (found) return found;
    if (!versions.some((v) => includeDeleted || !v.deleted)) throw new DagpactError('SUBJECT_NOT_FOUND', `subject "${subject}" does not exist`);
    throw new DagpactError('VERSION_NOT_FOUND', `subject "${subject}" has no version ${selector}`);
  }

  async function effectiveCompatibility(subject: string, reader: RegistryReadStore = store): Promise<CompatibilityLevel> {
    const own = (await reader.getConfig({ scope: subject })).compatibility;
    if (own && isCompatibilityLevel(own)) return own;
    const global = (await reader.getConfig({ scope: GLOBAL_SCOPE })).compatibility;
    return global && isCompatibilityLevel(global) ? global : DEFAULT_COMPATIBILITY;
  }

  async function effectiveMode(subject: string, reader: RegistryReadStore = store): Promise<RegistryMode> {
    const own = (await reader.getConfig({ scope: subject })).mode;
    if (own && isMode(own)) return own;
    const global = (await reader.getConfig({ scope: GLOBAL_SCOPE })).mode;
    return global && isMode(global) ? global : DEFAULT_MODE;
  }

  async function assertWritable(subject: string, reader: RegistryReadStore = store): Promise<RegistryMode> {
    const mode = await effectiveMode(subject, reader);
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') {
      throw new DagpactError('SUBJECT_READ_ONLY',
        `subject "${subject}" is in ${mode} mode and refuses changes; set its mode (or the global mode) to READWRITE first`);
    }
    return mode;
  }

  return {
    deps, compute, provider, storedById, parsedById, sourceById, lazyParsedById, rememberParsed, pinReferences, resolveReferences,
    subjectVersions, selectVersion, peekVersion, peekStoredById, effectiveCompatibility, effectiveMode, assertWritable,
  };
}
