// Building compatibility issues: the location in the reader schema, a stable rule, and a message
// that names the property concerned and what to do about it.
import type { CompatibilityIssue } from '../../types.js';
import { pointerSegments } from '../json-path.js';

export function issue(path: string, rule: string, message: string): CompatibilityIssue {
  return { path, rule, message };
}

/** "property \"age\"" / "items of property \"tags\"" / "the root schema", from a schema location. */
export function subject(path: string): string {
  const hash = path.indexOf('#');
  const segs = pointerSegments(path.slice(hash + 1));
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i];
    if ((s === 'properties' || s === 'patternProperties') && i + 1 < segs.length) {
      const name = segs[i + 1]!;
      const rest = segs.slice(i + 2).filter((x) => !/^(type|items|prefixItems|additionalItems|allOf|anyOf|oneOf|not|\d+|minLength|maxLength|pattern|format|minimum|maximum|exclusiveMinimum|exclusiveMaximum|multipleOf|enum|const|required|minItems|maxItems|uniqueItems|contains|minProperties|maxProperties|contentEncoding|contentMediaType)$/.test(x));
      const kind = s === 'properties' ? 'property' : 'properties matching';
      return rest.length === 0 && segs.slice(i + 2).some((x) => x === 'items' || x === 'prefixItems' || x === 'additionalItems')
        ? `items of ${kind} "${name}"` : `${kind} "${name}"`;
    }
  }
  if (segs.includes('items') || segs.includes('prefixItems') || segs.includes('additionalItems')) return 'array items';
  return segs.length === 0 ? 'the root schema' : `the schema at ${path}`;
}

export function list(values: unknown[], max = 5): string {
  const shown = values.slice(0, max).map((v) => JSON.stringify(v)).join(', ');
  return values.length > max ? `${shown} (and ${values.length - max} more)` : shown;
}

export function dedupe(issues: CompatibilityIssue[]): CompatibilityIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\n${i.rule}\n${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
