// Reads the manifests named on the command line: files or folders (every *.yaml, *.yml, *.json in
// it, sorted), each possibly holding several YAML documents ("---"). Keeps each document's source so
// findings can be pointed at a line (GitHub annotations).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { UsageError } from './args.js';

export interface ManifestDocument {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  /** The parsed document (what is sent to the server). */
  value: unknown;
  doc: Document;
  lines: LineCounter;
  dagId?: string;
  version?: string;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

export function expandPaths(paths: string[], pattern = MANIFEST_FILE): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let stat;
    try { stat = statSync(p); } catch (error) {
      throw new UsageError(`cannot read ${p}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (stat.isDirectory()) {
      const files = readdirSync(p).filter((f) => pattern.test(f)).sort().map((f) => join(p, f));
      if (!files.length) throw new UsageError(`${p} holds no file to read (*.yaml, *.yml, *.json)`);
      out.push(...files);
    } else out.push(p);
  }
  return out;
}

/** Every document of every file; a YAML syntax error is a usage error naming file and line. */
export function readManifests(paths: string[]): ManifestDocument[] {
  if (!paths.length) throw new UsageError('name at least one manifest file or folder');
  const out: ManifestDocument[] = [];
  for (const file of expandPaths(paths)) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const lines = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lines });
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, index) => {
      const problem = doc.errors[0];
      if (problem) {
        const at = problem.linePos?.[0];
        throw new UsageError(`${file}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML: ${problem.message.split('\n')[0]}`);
      }
      const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
      if (value === null || value === undefined) return; // an empty document (a trailing ---)
      const v = value as { dag_id?: unknown; version?: unknown };
      out.push({
        file, index, value, doc, lines,
        ...(typeof v.dag_id === 'string' ? { dagId: v.dag_id } : {}), ...(typeof v.version === 'string' ? { version: v.version } : {}),
      });
    });
  }
  if (!out.length) throw new UsageError(`no manifest in ${paths.join(', ')}`);
  return out;
}

/** `$.produces[0].schema.fields[2]` → ['produces', 0, 'schema', 'fields', 2] */
function segments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(`"${m[3]}"`)));
  return out;
}

/** The 1-based line of a JSON path in the document: the deepest node the path reaches. */
export function lineOf(m: ManifestDocument, path: string | undefined): number | undefined {
  const parts = path ? segments(path) : [];
  for (let n = parts.length; n >= 0; n--) {
    const node = n === 0 ? m.doc.contents : m.doc.getIn(parts.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return m.lines.linePos(range[0]).line;
  }
  return undefined;
}

/** The line of a manifest's entry for a topic (findings name topics, not paths). */
export function lineOfTopic(m: ManifestDocument, topic: string, direction: 'consume' | 'produce' | undefined): number | undefined {
  const v = m.value as { consumes?: Array<{ topic?: string }>; produces?: Array<{ topic?: string }> };
  const short = (t: string) => t.replace(/^(persistent|non-persistent):\/\//, '').split('/').at(-1);
  for (const key of direction === 'produce' ? ['produces', 'consumes'] as const : ['consumes', 'produces'] as const) {
    const i = (v[key] ?? []).findIndex((e) => e.topic === topic || (e.topic !== undefined && short(e.topic) === short(topic)));
    if (i >= 0) return lineOf(m, `$.${key}[${i}].topic`);
  }
  return lineOf(m, '$.dag_id');
}
