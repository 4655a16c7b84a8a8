// The AVRO format provider: parse (validation with paths, then avsc as a second opinion), Parsing
// Canonical Form and its SHA-256, compatibility by Avro's resolution rules, and payload decoding.
import { createHash } from 'node:crypto';
import avro from 'avsc';
import { DagpactError, errors, type InputProblem } from '../../errors.js';
import { parseSchemaJson, sortedJson } from '../../registry/content.js';
import type { FormatProvider, ParsedSchema, PayloadCheck, ReadAs, ResolvedReference } from '../types.js';
import { parsingCanonicalForm, sha256Hex } from './canonical.js';
import { isPrimitive, type AvroNode } from './model.js';
import { buildModel, type NameTable } from './parse.js';
import { scanPayload, toPlain } from './payload.js';
import { resolutionIssues, type ResolutionDialect } from './resolution.js';
import { applyAvscCorrections } from './avsc-strict.js';
import { makeTranscoder, type DefaultBytes, type Transcoder } from './transcode.js';

applyAvscCorrections();

/** What `ParsedSchema.native` holds for Avro. */
export interface AvroNative {
  /** The schema document as the user wrote it (keeps logical types, defaults, docs). */
  document: unknown;
  root: AvroNode;
  /** avsc's type, for decoding; built with wrapped unions and exact (BigInt) longs. */
  type: avro.Type;
  /** Lossless identity (document and references): PCF drops defaults, which resolution uses. */
  identity: string;
  /** avsc's named types by full name (the schema's and its references'), for default values. */
  named: Record<string, avro.Type>;
}

// Longs decode to BigInt so values beyond 2^53 neither throw nor lose precision.
const EXACT_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint | number) => { const buf = Buffer.alloc(8); buf.writeBigInt64LE(BigInt(n)); return buf; },
  fromJSON: (n: unknown) => BigInt(n as number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

const COMPLEX = new Set(['record', 'error', 'enum', 'fixed', 'array', 'map']);

function avscOptions(registry: Record<string, avro.Type>): Partial<avro.ForSchemaOptions> {
  return {
    registry,
    wrapUnions: true,
    typeHook: (schema: avro.Schema, opts: avro.ForSchemaOptions) => {
      if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
      const type = (schema as { type?: unknown }).type;
      if (type === 'long') return EXACT_LONG;
      // {"type": "some.Named"} refers to a defined type, which avsc does not accept by itself.
      if (typeof type === 'string' && !isPrimitive(type) && !COMPLEX.has(type)) {
        const ns = (opts as unknown as { namespace?: string }).namespace;
        return opts.registry[type.includes('.') || !ns ? type : `${ns}.${type}`];
      }
      return undefined;
    },
  };
}

function summary(problems: InputProblem[]): string {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return first ? `the Avro schema is invalid: ${first.path} ${first.message}${more}` : 'the Avro schema is invalid';
}

function nativeOf(schema: ParsedSchema): AvroNative {
  if (schema.format !== 'AVRO') throw errors.badRequest(`expected an AVRO schema, got ${schema.format}`);
  return schema.native as AvroNative;
}

/** A reader field's default in the reader's encoding, from avsc (which applies Avro's rules for unions and bytes). */
function defaultsOf(reader: AvroNative): DefaultBytes {
  return (record, field, index) => {
    const type = reader.named[record.fullName] as unknown as { fields?: Array<{ name: string; type: avro.Type; defaultValue(): unknown }> } | undefined;
    const avscField = type?.fields?.[index];
    if (!avscField || avscField.name !== field.name) return undefined;
    const value = avscField.defaultValue();
    return value === undefined ? undefined : new Uint8Array(avscField.type.toBuffer(value));
  };
}

export interface AvroProviderOptions {
  /**
   * Whose verdicts `backwardIssues` reproduces: Avro's SchemaCompatibility (default; Confluent,
   * Apicurio) or Avro's SchemaValidator as the Pulsar broker runs it (docs/adr/0003).
   */
  dialect?: ResolutionDialect;
}

export function makeAvroProvider(options: AvroProviderOptions = {}): FormatProvider {
  const dialect = options.dialect ?? 'schema-compatibility';
  // A resolver belongs to the very reader Type it was made for; kept per pair of Type objects (weakly).
  const resolvers = new WeakMap<avro.Type, WeakMap<avro.Type, avro.Resolver>>();
  // Byte-wise plans, per pair of schema models (null: the pair needs avsc's decode and encode).
  const transcoders = new WeakMap<AvroNode, WeakMap<AvroNode, Transcoder | null>>();

  function parse(text: string, references: ResolvedReference[] = []): ParsedSchema {
    const names: NameTable = new Map();
    const problems: InputProblem[] = [];
    const refDocs: unknown[] = [];
    references.forEach((ref, i) => {
      const at = `$.references[${i}]`;
      try {
        const doc = parseSchemaJson(ref.schema);
        refDocs.push(doc);
        buildModel(doc, names, problems, at);
      } catch (e) {
        if (!(e instanceof DagpactError)) throw e;
        problems.push({ path: at, message: `reference "${ref.name}": ${e.message}` });
      }
    });
    const document = parseSchemaJson(text);
    const root = problems.length === 0 ? buildModel(document, names, problems) : undefined;
    if (!root || problems.length > 0) throw errors.invalidSchema(summary(problems), problems);

    let type: avro.Type;
    const registry: Record<string, avro.Type> = {};
    try {
      for (const doc of refDocs) avro.Type.forSchema(doc as avro.Schema, avscOptions(registry));
      type = avro.Type.forSchema(document as avro.Schema, avscOptions(registry));
    } catch (e) {
      // The validation above should catch everything avsc refuses; this keeps any gap a 4xx.
      const message = e instanceof RangeError ? 'the schema is too deeply nested' : (e as Error).message;
      const p = [{ path: '$', message: `avsc rejects the schema: ${message}` }];
      throw errors.invalidSchema(summary(p), p);
    }
    const canonical = parsingCanonicalForm(root);
    const identity = createHash('sha256')
      .update(sortedJson(document)).update('\n').update(JSON.stringify(references.map((r) => [r.name, r.schema])))
      .digest('hex');
    const native: AvroNative = { document, root, type, identity, named: registry };
    return { format: 'AVRO', canonical, fingerprint: sha256Hex(canonical), native, source: { format: 'AVRO', text, references } };
  }

  // A resolver belongs to the very reader Type it was made for (avsc refuses another instance, even of
  // the same schema), so it is kept per pair of Type objects, and goes when either does.
  function resolverFor(reader: AvroNative, writer: AvroNative): avro.Resolver {
    let byWriter = resolvers.get(reader.type);
    if (!byWriter) resolvers.set(reader.type, (byWriter = new WeakMap()));
    let resolver = byWriter.get(writer.type);
    if (!resolver) {
      // Java compares unqualified names; so does this resolver.
      resolver = reader.type.createResolver(writer.type, { ignoreNamespaces: true });
      byWriter.set(writer.type, resolver);
    }
    return resolver;
  }

  function transcoderFor(reader: AvroNative, writer: AvroNative): Transcoder | null {
    let byWriter = transcoders.get(reader.root);
    if (!byWriter) transcoders.set(reader.root, (byWriter = new WeakMap()));
    let plan = byWriter.get(writer.root);
    if (plan === undefined) {
      plan = makeTranscoder(reader.root, writer.root, defaultsOf(reader)) ?? null;
      byWriter.set(writer.root, plan);
    }
    return plan;
  }

  function checkPayload(payload: Uint8Array, writerSchema: ParsedSchema, readerSchema?: ParsedSchema): PayloadCheck {
    const writer = nativeOf(writerSchema);
    const reader = readerSchema ? nativeOf(readerSchema) : undefined;
    const scanned = scanPayload(payload, writer.root);
    if (scanned.length > 0) return { ok: false, problems: scanned };
    const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (reader) {
      const issues = resolutionIssues(reader.root, writer.root);
      if (issues.length > 0) {
        return { ok: false, problems: issues.map((i) => ({ path: i.path, message: `the reader schema cannot read this writer's data (${i.rule}): ${i.message}` })) };
      }
    }
    try {
      if (!reader) {
        const { value, offset } = writer.type.decode(buf, 0);
        if (offset !== buf.length) return { ok: false, problems: [{ path: '$', message: `decoding stopped at byte ${offset} of ${buf.length}` }] };
        return { ok: true, value: toPlain(writer.type, value) };
      }
      const { value, offset } = reader.type.decode(buf, 0, resolverFor(reader, writer));
      if (offset !== buf.length) return { ok: false, problems: [{ path: '$', message: `decoding stopped at byte ${offset} of ${buf.length}` }] };
      return { ok: true, value: toPlain(reader.type, value) };
    } catch (e) {
      return { ok: false, problems: [{ path: '$', message: `the payload cannot be decoded: ${(e as Error).message}` }] };
    }
  }

  function readAs(payload: Uint8Array, writerSchema: ParsedSchema, readerSchema: ParsedSchema, options: { value?: boolean } = {}): ReadAs {
    const writer = nativeOf(writerSchema);
    const reader = nativeOf(readerSchema);
    // The scan checks everything a decode would (lengths, indexes, UTF-8, trailing bytes), without values.
    const scanned = scanPayload(payload, writer.root);
    if (scanned.length > 0) return { ok: false, problems: scanned };
    const sameLayout = writerSchema.fingerprint === readerSchema.fingerprint;
    // One canonical form: the same binary layout, so the writer's bytes already are the reader's.
    if (sameLayout && !options.value) return { ok: true, bytes: payload };
    const transcode = options.value ? null : transcoderFor(reader, writer);
    if (transcode) {
      try {
        const bytes = transcode(payload);
        if (bytes) return { ok: true, bytes };
      } catch (e) {
        return { ok: false, problems: [{ path: '$', message: `the payload cannot be read with the writer schema resolved into the reader's: ${(e as Error).message}` }] };
      }
    }
    const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    try {
      const { value, offset } = sameLayout ? reader.type.decode(buf, 0) : reader.type.decode(buf, 0, resolverFor(reader, writer));
      if (offset !== buf.length) return { ok: false, problems: [{ path: '$', message: `decoding stopped at byte ${offset} of ${buf.length}` }] };
      const bytes = sameLayout ? payload : new Uint8Array(reader.type.toBuffer(value));
      return options.value ? { ok: true, value: toPlain(reader.type, value), bytes } : { ok: true, bytes };
    } catch (e) {
      return { ok: false, problems: [{ path: '$', message: `the payload cannot be read with the writer schema resolved into the reader's: ${(e as Error).message}` }] };
    }
  }

  return {
    format: 'AVRO',
    parse,
    readAs,
    backwardIssues: (reader, writer, budget) => resolutionIssues(nativeOf(reader).root, nativeOf(writer).root, dialect, budget),
    checkPayload,
    // avsc writes each named type in full where it is first used, keeping defaults, docs and aliases.
    selfContained: (schema) => JSON.stringify(nativeOf(schema).type.schema({ exportAttrs: true })),
  };
}
