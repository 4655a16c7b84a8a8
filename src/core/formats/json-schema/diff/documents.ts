// Schema nodes as the diff sees them (a schema value, where it sits, which document it belongs to)
// and `$ref` resolution across the schema's own document and its named references.
import type { JsonSchemaNative, SchemaDocument } from '../parse.js';
import { canonicalJson } from '../canonical.js';
import { walkSchema } from '../draft.js';
import { escapePointer, pointerSegments } from '../json-path.js';

export interface Doc extends SchemaDocument {
  /** `#name` anchors: draft-07 `$id: "#name"`, 2019+ `$anchor`. */
  anchors: Map<string, { schema: unknown; path: string }>;
  /** Absolute `$id`s declared inside the document. */
  ids: Map<string, { schema: unknown; path: string }>;
  /** Prefix of schema locations in this document (`''` for the main one, `name` for a reference). */
  prefix: string;
}

export interface DocSet {
  main: Doc;
  refs: Doc[];
  /** Canonical text of every document, for deciding whether identical subschemas really mean the same. */
  fingerprint: string;
}

/** A subschema under comparison. `key` identifies it for cycle detection (paths alone repeat after rewrites). */
export interface SNode {
  schema: unknown;
  path: string;
  doc: Doc;
  docs: DocSet;
  key: string;
}

export type SchemaObject = Record<string, unknown>;

export function isObject(v: unknown): v is SchemaObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function indexDoc(d: SchemaDocument): Doc {
  const anchors = new Map<string, { schema: unknown; path: string }>();
  const ids = new Map<string, { schema: unknown; path: string }>();
  const prefix = d.name;
  walkSchema(d.root, (node, segments) => {
    if (!isObject(node)) return;
    const path = `${prefix}#${segments.map((s) => `/${escapePointer(s)}`).join('')}`;
    if (typeof node.$id === 'string') {
      if (node.$id.startsWith('#')) anchors.set(node.$id.slice(1), { schema: node, path });
      else if (segments.length > 0) ids.set(node.$id.replace(/#$/, ''), { schema: node, path });
    }
    if (typeof node.$anchor === 'string') anchors.set(node.$anchor, { schema: node, path });
    if (typeof node.$dynamicAnchor === 'string' && !anchors.has(node.$dynamicAnchor)) anchors.set(node.$dynamicAnchor, { schema: node, path });
  });
  return { ...d, anchors, ids, prefix };
}

export function docSetOf(native: JsonSchemaNative): DocSet {
  const all = [native.main, ...native.references];
  return {
    main: indexDoc(native.main),
    refs: native.references.map(indexDoc),
    fingerprint: canonicalJson(all.map((d) => [d.name, d.root])),
  };
}

export function rootNode(docs: DocSet, side: string): SNode {
  return { schema: docs.main.root, path: '#', doc: docs.main, docs, key: `${side}:#` };
}

/** The node at `path` (`/definitions/A`) inside `doc`, or undefined. */
function atPointer(doc: Doc, pointer: string): { schema: unknown; path: string } | undefined {
  let cur: unknown = doc.root;
  for (const seg of pointerSegments(pointer)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur)) cur = cur[seg];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return { schema: cur, path: `${doc.prefix}#${pointer}` };
}

function inDoc(doc: Doc, fragment: string): { schema: unknown; path: string } | undefined {
  if (fragment === '') return { schema: doc.root, path: `${doc.prefix}#` };
  if (fragment.startsWith('/')) return atPointer(doc, decodeURIComponent(fragment));
  return doc.anchors.get(fragment);
}

function rootId(doc: Doc): string | undefined {
  return isObject(doc.root) && typeof doc.root.$id === 'string' ? doc.root.$id : undefined;
}

function sameUri(a: string, b: string): boolean {
  return a.replace(/#$/, '') === b.replace(/#$/, '');
}

/** Resolves `node.schema.$ref`; undefined when it names nothing dagpact was given. */
export function resolveRef(node: SNode, ref: string): SNode | undefined {
  const hash = ref.indexOf('#');
  const base = hash < 0 ? ref : ref.slice(0, hash);
  const fragment = hash < 0 ? '' : ref.slice(hash + 1);
  let target: { schema: unknown; path: string } | undefined;
  let doc = node.doc;
  if (base === '') {
    target = inDoc(doc, fragment);
  } else {
    let absolute = base;
    const id = rootId(node.doc);
    try {
      if (id) absolute = new URL(base, id).href;
    } catch {
      absolute = base;
    }
    const all = [node.docs.main, ...node.docs.refs];
    const byName = all.find((d) => d.name !== '' && (sameUri(d.name, base) || sameUri(d.name, absolute) || sameUri(d.name, ref)))
      ?? all.find((d) => { const rid = rootId(d); return rid !== undefined && (sameUri(rid, base) || sameUri(rid, absolute)); });
    if (byName) {
      doc = byName;
      target = inDoc(doc, fragment);
    } else {
      const embedded = doc.ids.get(base) ?? doc.ids.get(absolute);
      if (embedded && fragment === '') target = embedded;
    }
  }
  if (!target) return undefined;
  return { schema: target.schema, path: target.path, doc, docs: node.docs, key: `${node.key.split(':')[0]}:${target.path}` };
}

/** A node for a child location: `child(node, value, 'properties', 'a')`. */
export function child(node: SNode, schema: unknown, ...segments: Array<string | number>): SNode {
  const suffix = segments.map((s) => `/${escapePointer(s)}`).join('');
  return { schema, path: node.path + suffix, doc: node.doc, docs: node.docs, key: node.key + suffix };
}

/** The same location with some keywords removed (after the diff has dealt with them). */
export function without(node: SNode, ...keywords: string[]): SNode {
  if (!isObject(node.schema)) return node;
  const copy: SchemaObject = { ...node.schema };
  for (const k of keywords) delete copy[k];
  return { ...node, schema: copy, key: `${node.key}~${keywords.join(',')}` };
}

/** A schema made up by the diff (e.g. "property names are strings"), anchored at `at`. */
export function synthetic(at: SNode, schema: unknown, label: string): SNode {
  return { schema, path: at.path, doc: at.doc, docs: at.docs, key: `${at.key}!${label}` };
}

export function containsRef(schema: unknown): boolean {
  let found = false;
  walkSchema(schema, (n) => { if (!found && isObject(n) && (typeof n.$ref === 'string' || typeof n.$recursiveRef === 'string' || typeof n.$dynamicRef === 'string')) found = true; });
  return found;
}
