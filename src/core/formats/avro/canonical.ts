// Avro's Parsing Canonical Form (specification, "Transforming into Parsing Canonical Form"): full
// names, only the attributes that affect reading (name, type, fields, symbols, items, values, size, in
// that order), primitives collapsed to their name, named types written out once then referred to by
// full name, no whitespace. Docs, aliases, defaults and logical types are dropped by design.
import { createHash } from 'node:crypto';
import type { AvroNode } from './model.js';

export function parsingCanonicalForm(root: AvroNode): string {
  const written = new Set<string>();
  const out: string[] = [];
  const str = (s: string) => JSON.stringify(s);
  const emit = (node: AvroNode): void => {
    switch (node.kind) {
      case 'primitive': out.push(str(node.type)); return;
      case 'array': out.push('{"type":"array","items":'); emit(node.items); out.push('}'); return;
      case 'map': out.push('{"type":"map","values":'); emit(node.values); out.push('}'); return;
      case 'union':
        out.push('[');
        node.branches.forEach((b, i) => { if (i > 0) out.push(','); emit(b); });
        out.push(']');
        return;
      default:
        break;
    }
    if (written.has(node.fullName)) { out.push(str(node.fullName)); return; }
    written.add(node.fullName);
    switch (node.kind) {
      case 'record':
        // An error is a record in canonical form (Apache Avro's SchemaNormalization writes "record").
        out.push(`{"name":${str(node.fullName)},"type":"record","fields":[`);
        node.fields.forEach((f, i) => {
          out.push(`${i > 0 ? ',' : ''}{"name":${str(f.name)},"type":`);
          emit(f.type);
          out.push('}');
        });
        out.push(']}');
        return;
      case 'enum':
        out.push(`{"name":${str(node.fullName)},"type":"enum","symbols":[${node.symbols.map(str).join(',')}]}`);
        return;
      case 'fixed':
        out.push(`{"name":${str(node.fullName)},"type":"fixed","size":${node.size}}`);
        return;
    }
  };
  emit(root);
  return out.join('');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
