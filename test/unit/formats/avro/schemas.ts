// Builders for the named schema constants of the Avro unit tables (Karapace style): small records
// whose one interesting part is the case's subject.
export type Json = Record<string, unknown>;

export const field = (name: string, type: unknown, extra: Json = {}): Json => ({ name, type, ...extra });
export const record = (name: string, fields: unknown[], extra: Json = {}): Json => ({ type: 'record', name, namespace: 'test.ns', fields, ...extra });
/** A record `Event` holding one field `value` of the given type (the thing under test). */
export const holding = (type: unknown, extra: unknown[] = []): Json => record('Event', [field('value', type), ...extra]);
export const enumOf = (symbols: string[], extra: Json = {}): Json => ({ type: 'enum', name: 'Color', symbols, ...extra });
export const fixedOf = (size: number, name = 'Hash', extra: Json = {}): Json => ({ type: 'fixed', name, size, ...extra });
export const arrayOf = (items: unknown): Json => ({ type: 'array', items });
export const mapOf = (values: unknown): Json => ({ type: 'map', values });
export const text = (schema: unknown): string => JSON.stringify(schema);
