// Parses a contract manifest (YAML or JSON text, or an already-parsed document) into a Manifest:
// validated against schemas/contract-manifest.schema.json with every problem named by its JSON path,
// topics normalized to persistent://tenant/namespace/name, defaults applied. Throws INVALID_MANIFEST.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isScalar, isSeq, parseAllDocuments, parseDocument } from 'yaml';
import { packageRoot } from '../../support/package-root.js';
import { DagpactError, type InputProblem } from '../errors.js';
import { fullName, readTopicName } from '../pulsar-names.js';
import type { SchemaFormat } from '../formats/types.js';
import type { ForwardTo, Manifest, ManifestEntry } from './types.js';
import type { MismatchPolicy } from '../gatekeeper/routes.js';

let validator: ValidateFunction | undefined;

function validate(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'contract-manifest.schema.json'), 'utf8')) as object;
  validator = new Ajv({ allErrors: true, strict: false, useDefaults: false }).compile(schema);
  return validator;
}

/**
 * Compiles the manifest schema's validator now, if it is not yet. Compiling it takes 15-45 ms of the
 * calling thread; parseManifest does it on first use, which in the API server means inside the first
 * request that registers or checks a manifest, on the event loop every other request waits for. The
 * server calls this once it is ready instead (start/server.ts).
 */
export function warmManifestValidator(): void {
  validate();
}

export function invalidManifest(problems: InputProblem[]): DagpactError {
  const summary = problems.slice(0, 5).map((p) => `${p.path} ${p.message}`).join('; ');
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  return new DagpactError('INVALID_MANIFEST', `the contract manifest is invalid: ${summary}${more}`, { details: { problems } });
}

/** `/consumes/0/topic` → `$.consumes[0].topic` */
export function jsonPath(pointer: string): string {
  return '$' + pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join('');
}

function problemsOf(errs: ErrorObject[]): InputProblem[] {
  const out: InputProblem[] = [];
  const seen = new Set<string>();
  for (const e of errs) {
    // if/then/else and allOf only wrap the real error, which ajv reports on its own.
    if (e.keyword === 'if' || e.keyword === 'allOf') continue;
    const base = jsonPath(e.instancePath);
    const params = e.params as Record<string, unknown>;
    let p: InputProblem;
    if (e.keyword === 'required') {
      const missing = String(params.missingProperty);
      const hint = missing === 'version' || missing === 'subject'
        ? ' (an entry names either subject + version, or an inline schema + schemaType)' : '';
      p = { path: `${base}.${missing}`, message: `is required${hint}` };
    } else if (e.keyword === 'additionalProperties') {
      p = { path: `${base}.${String(params.additionalProperty)}`, message: 'is not a manifest field' };
    } else if (e.keyword === 'not' && /consumes|produces/.test(base) && e.schemaPath.includes('/else/')) {
      p = { path: `${base}.references`, message: 'can only be given with an inline schema (a registered subject version carries its own references)' };
    } else if (e.keyword === 'not' && /consumes|produces/.test(base)) {
      p = { path: `${base}.version`, message: 'must not be given with an inline schema (an inline schema is registered and pinned)' };
    } else if (e.keyword === 'enum') {
      p = { path: base, message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}` };
    } else if (e.keyword === 'pattern' && /topic$/.test(base)) {
      p = { path: base, message: 'must be a Pulsar topic: persistent://tenant/namespace/name, tenant/namespace/name or a bare name' };
    } else if (e.keyword === 'anyOf' && /version$/.test(base)) {
      p = { path: base, message: 'must be a version number (1, 2, ...) or "latest"' };
    } else if (/\/anyOf\/\d+\//.test(e.schemaPath)) {
      continue; // the branches of an anyOf: the anyOf itself is reported once
    } else {
      p = { path: base, message: e.message ?? 'is invalid' };
    }
    const key = `${p.path} ${p.message}`;
    if (!seen.has(key)) { seen.add(key); out.push(p); }
  }
  return out;
}

/** The namespace (`tenant/ns`) and the local name of a normalized topic. */
export function topicParts(topic: string): { namespace: string; local: string } {
  const parts = topic.replace(/^[a-z-]+:\/\//, '').split('/');
  return { namespace: `${parts[0]}/${parts[1]}`, local: parts[2] ?? '' };
}

/**
 * Bounds on manifest text, checked before and while it is parsed: YAML's own duplicate-key check is
 * quadratic and deep flow collections are costly, so a manifest is measured first (docs/adr/0013).
 */
export const MANIFEST_LIMITS = { bytes: 512 * 1024, depth: 64, keys: 10_000 };

function tooLarge(message: string): DagpactError {
  return invalidManifest([{ path: '$', message }]);
}

/**
 * INVALID_MANIFEST when the text is longer than a manifest may be. A length read, so callers check it
 * before handing the text to a worker (a copy of the whole string) or parsing it.
 */
export function checkManifestLength(text: string): void {
  if (text.length > MANIFEST_LIMITS.bytes) {
    throw tooLarge(`is ${text.length} characters long; a manifest may have at most ${MANIFEST_LIMITS.bytes} (register large schemas as subjects and refer to them)`);
  }
}

/** Cheap scan of the raw text: flow-collection nesting and a ceiling on how many keys it can hold. */
function precheck(text: string): void {
  checkManifestLength(text);
  let depth = 0;
  let colons = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > MANIFEST_LIMITS.depth) throw tooLarge(`nests collections more than ${MANIFEST_LIMITS.depth} levels deep`);
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === ':' && ++colons > MANIFEST_LIMITS.keys * 4) throw tooLarge(`holds more than ${MANIFEST_LIMITS.keys} keys`);
  }
}

/** Walks the parsed document once: depth, total keys, and duplicate keys (found with a set, not pairwise). */
function structureProblems(node: unknown, path: string, depth: number, count: { keys: number }): InputProblem | undefined {
  if (depth > MANIFEST_LIMITS.depth) return { path, message: `is nested more than ${MANIFEST_LIMITS.depth} levels deep` };
  if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const p = structureProblems(node.items[i], `${path}[${i}]`, depth + 1, count);
      if (p) return p;
    }
  } else if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (++count.keys > MANIFEST_LIMITS.keys) return { path, message: `the manifest holds more than ${MANIFEST_LIMITS.keys} keys` };
      const key = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key);
      const at = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key.slice(0, 100))}]`;
      if (seen.has(key)) return { path: at, message: 'is given twice; each key may appear once' };
      seen.add(key);
      const p = structureProblems(pair.value, at, depth + 1, count);
      if (p) return p;
    }
  }
  return undefined;
}

/** Reads manifest text: YAML (which includes JSON), bounded in size, depth and keys. Syntax errors name the line. */
export function readManifestText(text: string): unknown {
  precheck(text);
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { uniqueKeys: false });
  } catch (error) {
    throw invalidManifest([{ path: '$', message: `is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}` }]);
  }
  const [first] = doc.errors;
  if (first) {
    const documents = first.code === 'MULTIPLE_DOCS' || /multiple documents/i.test(first.message) ? parseAllDocuments(text) : undefined;
    if (Array.isArray(documents) && documents.length > 1) {
      throw invalidManifest([{ path: '$', message: `holds ${documents.length} YAML documents; send one manifest per request (the dagpact CLI splits a multi-document file)` }]);
    }
    throw invalidManifest([{ path: '$', message: `is not valid YAML or JSON: ${first.message.split('\n')[0]}` }]);
  }
  const problem = structureProblems(doc.contents, '$', 0, { keys: 0 });
  if (problem) throw invalidManifest([problem]);
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const documents = parseAllDocuments(text);
    if (Array.isArray(documents) && documents.length > 1) {
      throw invalidManifest([{ path: '$', message: `holds ${documents.length} YAML documents; send one manifest per request (the dagpact CLI splits a multi-document file)` }]);
    }
    throw invalidManifest([{ path: '$', message: `is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}` }]);
  }
}

type RawEntry = {
  topic: string; subject?: string; version?: number | 'latest'; schema?: unknown; schemaType?: SchemaFormat;
  references?: Array<{ name: string; subject: string; version: number }>; on_mismatch?: MismatchPolicy; trigger_topic?: string;
  forward_to?: ForwardTo; sensitive_fields?: string[];
};
type RawManifest = {
  dag_id: string; version: string; airflow_version_number?: number; on_mismatch?: MismatchPolicy;
  consumes?: RawEntry[]; produces?: RawEntry[];
};

function entryOf(raw: RawEntry, direction: 'consumes' | 'produces', index: number, defaultOnMismatch: MismatchPolicy | undefined, problems: InputProblem[]): ManifestEntry {
  // A name that is not a topic is reported with its path; the entry keeps the name as given meanwhile.
  const fullTopic = (name: string, field: 'topic' | 'trigger_topic'): string => {
    const read = readTopicName(name);
    if ('problem' in read) { problems.push({ path: `$.${direction}[${index}].${field}`, message: read.problem }); return name; }
    return fullName(read);
  };
  const topic = fullTopic(raw.topic, 'topic');
  const triggerTopic = raw.trigger_topic ? fullTopic(raw.trigger_topic, 'trigger_topic') : undefined;
  if (raw.forward_to === 'airflow' && raw.trigger_topic) {
    problems.push({ path: `$.${direction}[${index}].trigger_topic`, message: 'is not used with forward_to: airflow (accepted messages become DAG runs); remove one of them' });
  }
  const consume = direction === 'consumes'
    ? {
      onMismatch: raw.on_mismatch ?? defaultOnMismatch ?? 'quarantine' as MismatchPolicy,
      ...(triggerTopic ? { triggerTopic } : {}),
      ...(raw.forward_to ? { forwardTo: raw.forward_to } : {}),
      ...(raw.sensitive_fields?.length ? { sensitiveFields: raw.sensitive_fields.map((p) => p.replace(/^\$\./, '')) } : {}),
    }
    : {};
  if (raw.schema === undefined) {
    return { kind: 'ref', topic, subject: raw.subject!, version: raw.version!, ...consume };
  }
  let schema: string;
  if (typeof raw.schema === 'string') {
    schema = raw.schema;
    try { JSON.parse(schema); } catch {
      problems.push({ path: `$.${direction}[${index}].schema`, message: 'is a string but not JSON text; give the schema as a YAML/JSON object or as its JSON text' });
    }
  } else {
    schema = JSON.stringify(raw.schema);
  }
  return {
    kind: 'inline', topic, subject: raw.subject ?? `${topicParts(topic).local}-value`, schema, schemaType: raw.schemaType!,
    references: (raw.references ?? []).map((r) => ({ name: r.name, subject: r.subject, version: r.version })), ...consume,
  };
}

/** Validates and normalizes a manifest given as text or as a parsed document. */
export function parseManifest(input: unknown): Manifest {
  const doc = typeof input === 'string' ? readManifestText(input) : input;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalidManifest([{ path: '$', message: 'must be an object with dag_id, version, consumes and produces' }]);
  }
  const check = validate();
  if (!check(doc)) throw invalidManifest(problemsOf(check.errors ?? []));
  const raw = doc as RawManifest;
  const problems: InputProblem[] = [];
  const consumes = (raw.consumes ?? []).map((e, i) => entryOf(e, 'consumes', i, raw.on_mismatch, problems));
  const produces = (raw.produces ?? []).map((e, i) => entryOf(e, 'produces', i, undefined, problems));
  for (const [direction, list] of [['consumes', consumes], ['produces', produces]] as const) {
    const seen = new Map<string, number>();
    list.forEach((e, i) => {
      const first = seen.get(e.topic);
      if (first !== undefined) problems.push({ path: `$.${direction}[${i}].topic`, message: `names ${e.topic} again (already $.${direction}[${first}]); one entry per topic` });
      else seen.set(e.topic, i);
    });
  }
  if (consumes.length + produces.length === 0) {
    problems.push({ path: '$.consumes', message: 'a contract must consume or produce at least one topic' });
  }
  if (problems.length) throw invalidManifest(problems);
  return {
    dagId: raw.dag_id, version: raw.version,
    ...(raw.airflow_version_number !== undefined ? { airflowVersionNumber: raw.airflow_version_number } : {}),
    consumes, produces,
  };
}
