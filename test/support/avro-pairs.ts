// Generates Avro (writer, reader) schema pairs covering the specification's resolution rules:
// field additions and removals with and without defaults, promotions, unions, enums, renames with
// and without aliases, nested records, arrays, maps and fixed. Used to compare dagpact's verdicts
// with Apache Avro's checker running in the Pulsar broker.

type Json = Record<string, unknown>;

export interface AvroPair {
  name: string;
  writer: string;
  reader: string;
}

const field = (name: string, type: unknown, extra: Json = {}) => ({ name, type, ...extra });
const record = (name: string, fields: unknown[], extra: Json = {}) => ({ type: 'record', name, namespace: 'dagpact.oracle', fields, ...extra });

const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'] as const;
const DEFAULTS: Record<string, unknown> = { null: null, boolean: false, int: 0, long: 0, float: 0, double: 0, bytes: '', string: '' };

/** A base record: an id plus one field of the type under test, optionally nested. */
function base(fieldType: unknown, extraFields: unknown[] = []) {
  return record('Event', [field('id', 'long'), field('value', fieldType), ...extraFields]);
}

export function generateAvroPairs(): AvroPair[] {
  const pairs: AvroPair[] = [];
  const add = (name: string, writer: unknown, reader: unknown) => {
    pairs.push({ name, writer: JSON.stringify(writer), reader: JSON.stringify(reader) });
    pairs.push({ name: `${name} (reversed)`, writer: JSON.stringify(reader), reader: JSON.stringify(writer) });
  };

  // Every primitive to every primitive: promotions and mismatches.
  for (const w of PRIMITIVES) for (const r of PRIMITIVES) if (w < r) add(`primitive ${w} vs ${r}`, base(w), base(r));

  // Fields added or removed, with and without defaults, for several types.
  for (const t of ['int', 'long', 'string', 'boolean', 'double', 'bytes']) {
    add(`add ${t} field without default`, base('string'), base('string', [field('extra', t)]));
    add(`add ${t} field with default`, base('string'), base('string', [field('extra', t, { default: DEFAULTS[t] })]));
    add(`add nullable ${t} field with null default`, base('string'), base('string', [field('extra', ['null', t], { default: null })]));
  }

  // Unions on either side.
  const unions: unknown[] = [
    ['null', 'string'], ['string', 'null'], ['null', 'int'], ['null', 'long'], ['int', 'string'],
    ['null', 'int', 'string'], ['null', 'double'], ['long', 'string'], ['null', 'bytes'],
  ];
  for (const u of unions) {
    for (const p of ['string', 'int', 'long', 'null', 'double']) add(`union ${JSON.stringify(u)} vs ${p}`, base(u), base(p));
  }
  for (let i = 0; i < unions.length; i++) {
    for (let j = i + 1; j < unions.length; j++) add(`union ${JSON.stringify(unions[i])} vs ${JSON.stringify(unions[j])}`, base(unions[i]), base(unions[j]));
  }

  // Enums: symbols added, removed, reordered, with a reader default, renamed.
  const en = (symbols: string[], extra: Json = {}) => ({ type: 'enum', name: 'Color', symbols, ...extra });
  add('enum add symbol', base(en(['RED', 'GREEN'])), base(en(['RED', 'GREEN', 'BLUE'])));
  add('enum reorder', base(en(['RED', 'GREEN', 'BLUE'])), base(en(['BLUE', 'RED', 'GREEN'])));
  add('enum remove symbol, reader default', base(en(['RED', 'GREEN', 'BLUE'])), base(en(['RED', 'GREEN'], { default: 'RED' })));
  add('enum disjoint', base(en(['RED'])), base(en(['BLUE'])));
  add('enum renamed', base(en(['RED'])), base({ type: 'enum', name: 'Colour', symbols: ['RED'] }));
  add('enum renamed with alias', base(en(['RED'])), base({ type: 'enum', name: 'Colour', aliases: ['dagpact.oracle.Color'], symbols: ['RED'] }));
  add('enum vs string', base(en(['RED'])), base('string'));

  // Fixed.
  const fx = (size: number, name = 'Hash') => ({ type: 'fixed', name, size });
  add('fixed size change', base(fx(16)), base(fx(32)));
  add('fixed same', base(fx(16)), base(fx(16, 'Hash')));
  add('fixed renamed', base(fx(16)), base(fx(16, 'Digest')));
  add('fixed vs bytes', base(fx(16)), base('bytes'));

  // Arrays and maps.
  for (const [a, b] of [['int', 'long'], ['int', 'string'], ['float', 'double'], ['string', 'bytes'], ['long', 'int']]) {
    add(`array ${a} vs ${b}`, base({ type: 'array', items: a }), base({ type: 'array', items: b }));
    add(`map ${a} vs ${b}`, base({ type: 'map', values: a }), base({ type: 'map', values: b }));
  }
  add('array vs map', base({ type: 'array', items: 'string' }), base({ type: 'map', values: 'string' }));
  add('array of nullable', base({ type: 'array', items: 'string' }), base({ type: 'array', items: ['null', 'string'] }));

  // Record names, namespaces and aliases.
  add('record renamed', record('Event', [field('id', 'long')]), record('Happening', [field('id', 'long')]));
  add('record renamed with alias', record('Event', [field('id', 'long')]), record('Happening', [field('id', 'long')], { aliases: ['dagpact.oracle.Event'] }));
  add('record namespace changed', record('Event', [field('id', 'long')]), { ...record('Event', [field('id', 'long')]), namespace: 'other.ns' });
  add('field renamed', base('string'), record('Event', [field('id', 'long'), field('payload', 'string')]));
  add('field renamed with alias', base('string'), record('Event', [field('id', 'long'), field('payload', 'string', { aliases: ['value'] })]));
  add('field renamed with alias and default', base('string'), record('Event', [field('id', 'long'), field('payload', 'string', { aliases: ['value'], default: '' })]));

  // Nested records.
  const inner = (fields: unknown[], name = 'Address') => ({ type: 'record', name, fields });
  const street = field('street', 'string');
  add('nested add field no default', base(inner([street])), base(inner([street, field('zip', 'string')])));
  add('nested add field with default', base(inner([street])), base(inner([street, field('zip', 'string', { default: '00000' })])));
  add('nested promote', base(inner([field('n', 'int')])), base(inner([field('n', 'long')])));
  add('nested rename', base(inner([street])), base(inner([street], 'Location')));
  add('nested optional', base(inner([street])), base(['null', inner([street])]));
  add('nested in array', base({ type: 'array', items: inner([field('n', 'int')]) }), base({ type: 'array', items: inner([field('n', 'double')]) }));
  add('nested in map with new defaulted field', base({ type: 'map', values: inner([street]) }), base({ type: 'map', values: inner([street, field('c', 'int', { default: 1 })]) }));

  // Logical types (resolution ignores them: the underlying types decide).
  add('timestamp-millis vs long', base({ type: 'long', logicalType: 'timestamp-millis' }), base('long'));
  add('date vs int', base({ type: 'int', logicalType: 'date' }), base('int'));
  add('decimal bytes precision change', base({ type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }), base({ type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 }));
  add('uuid vs string', base({ type: 'string', logicalType: 'uuid' }), base('string'));

  // Recursive types.
  const linked = (valueType: string) => ({ type: 'record', name: 'Node', namespace: 'dagpact.oracle', fields: [field('value', valueType), field('next', ['null', 'Node'], { default: null })] });
  add('recursive promote', linked('int'), linked('long'));
  add('recursive mismatch', linked('int'), linked('string'));

  // Names and namespaces of enums and fixed types, and named types chosen from reader unions.
  add('enum namespace changed', base(en(['RED'])), base(en(['RED'], { namespace: 'other.ns' })));
  add('enum namespace changed with alias', base(en(['RED'])), base(en(['RED'], { namespace: 'other.ns', aliases: ['dagpact.oracle.Color'] })));
  add('fixed namespace changed', base(fx(16)), base({ ...fx(16), namespace: 'other.ns' }));
  add('fixed renamed with alias', base(fx(16)), base({ ...fx(16, 'Digest'), aliases: ['dagpact.oracle.Hash'] }));
  add('nested namespace changed', base(inner([street])), base({ ...inner([street]), namespace: 'other.ns' }));
  add('nested renamed with alias', base(inner([street])), base({ ...inner([street], 'Location'), aliases: ['dagpact.oracle.Address'] }));
  add('nested renamed into a union', base(inner([street])), base(['null', inner([street], 'Location')]));
  add('nested renamed into a union, incompatible structure', base(inner([street])), base(['null', inner([field('zip', 'int')], 'Location')]));
  add('enum renamed into a union', base(en(['RED'])), base(['null', { type: 'enum', name: 'Colour', symbols: ['RED'] }]));
  add('enum into a union with a symbol removed', base(en(['RED', 'BLUE'])), base(['null', en(['RED'])]));
  add('enum symbol removed in a map', base({ type: 'map', values: en(['RED', 'BLUE']) }), base({ type: 'map', values: en(['RED']) }));
  add('enum symbol removed, reader default, reordered', base(en(['RED', 'GREEN', 'BLUE'])), base(en(['GREEN', 'RED'], { default: 'GREEN' })));
  add('two records in a reader union, second matches by name', base(inner([street])),
    base(['null', inner([street], 'Location'), inner([street])]));
  add('int into a union of float and long', base('int'), base(['null', 'float', 'long']));
  add('field alias and type promotion', base('int'), record('Event', [field('id', 'long'), field('amount', 'double', { aliases: ['value'] })]));
  add('nested record field removed', base(inner([street, field('zip', 'string')])), base(inner([street])));
  add('array of records renamed', base({ type: 'array', items: inner([street]) }), base({ type: 'array', items: inner([street], 'Location') }));
  add('error type vs record', record('Event', [field('id', 'long')]), { type: 'error', name: 'Event', namespace: 'dagpact.oracle', fields: [field('id', 'long')] });

  return pairs;
}
