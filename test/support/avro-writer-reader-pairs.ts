// Generated (writer, reader) Avro record pairs for the gatekeeper's writer-schema differential test
// (test/integration/gatekeeper/writer-schema-differential.test.ts). Unlike avro-pairs.ts (schema-only
// verdicts), every pair here is a top-level record that a producer can register on the broker and fill
// with generated data, and a pair can share its topic with other writers (`topicGroup`: one reader,
// several writers, as when a producer's schema evolves on one topic). Categories follow Avro's
// resolution rules: renames with and without aliases, reordering, fields added and removed with and
// without defaults, promotions, enums, unions, nested records, arrays and maps of records, logical
// types, and seeded random combinations of several changes.

type Json = Record<string, unknown>;

export type PairCategory =
  | 'identity' | 'rename' | 'reorder' | 'add-remove' | 'promotion' | 'enum' | 'union' | 'nested'
  | 'array-map' | 'logical' | 'combined' | 'evolving';

export interface WriterReaderPair {
  /** Unique, for a person: what changed between writer and reader. */
  name: string;
  category: PairCategory;
  writer: Json;
  reader: Json;
  /** Pairs with the same group share one topic (and therefore one reader); absent = a topic of its own. */
  topicGroup?: string;
}

const NS = 'dagpact.diff';
const f = (name: string, type: unknown, extra: Json = {}): Json => ({ name, type, ...extra });
const order = (fields: Json[], extra: Json = {}): Json => ({ type: 'record', name: 'Order', namespace: NS, fields, ...extra });
const color = (symbols = ['RED', 'GREEN', 'BLUE'], extra: Json = {}): Json => ({ type: 'enum', name: 'Color', symbols, ...extra });
const hash = (size = 4, extra: Json = {}): Json => ({ type: 'fixed', name: 'Hash', size, ...extra });
const address = (fields: Json[] = [f('street', 'string'), f('zip', 'string')], extra: Json = {}): Json => ({ type: 'record', name: 'Address', fields, ...extra });
const line = (fields: Json[] = [f('sku', 'string'), f('qty', 'int')], extra: Json = {}): Json => ({ type: 'record', name: 'Line', fields, ...extra });

/**
 * Field types used by the rename and add/remove generators, each with a valid default (bytes and
 * fixed defaults are strings of code points 0-255, as the specification says).
 */
const TYPED: Array<{ slug: string; type: () => unknown; dflt: unknown }> = [
  { slug: 'string', type: () => 'string', dflt: 'none' },
  { slug: 'long', type: () => 'long', dflt: 42 },
  { slug: 'int', type: () => 'int', dflt: 7 },
  { slug: 'double', type: () => 'double', dflt: 1.25 },
  { slug: 'float', type: () => 'float', dflt: 0.5 },
  { slug: 'boolean', type: () => 'boolean', dflt: true },
  { slug: 'bytes', type: () => 'bytes', dflt: '\u00ff\u0000' },
  { slug: 'enum', type: () => color(), dflt: 'GREEN' },
  { slug: 'fixed', type: () => hash(), dflt: '\u0000\u0001\u00fe\u00ff' },
  { slug: 'record', type: () => address(), dflt: { street: '', zip: '00000' } },
  { slug: 'array-of-int', type: () => ({ type: 'array', items: 'int' }), dflt: [] },
  { slug: 'map-of-long', type: () => ({ type: 'map', values: 'long' }), dflt: {} },
  { slug: 'nullable-string', type: () => ['null', 'string'], dflt: null },
];

/** A small deterministic PRNG (mulberry32) so the combined pairs are the same on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function renames(add: (category: PairCategory, name: string, writer: Json, reader: Json) => void) {
  // The case first: sku → product, the same binary layout.
  add('rename', 'sku renamed to product, no alias', order([f('id', 'long'), f('sku', 'string'), f('qty', 'int')]), order([f('id', 'long'), f('product', 'string'), f('qty', 'int')]));
  for (const t of TYPED) {
    const w = order([f('id', 'long'), f(`old_${t.slug.replaceAll('-', '_')}`, t.type()), f('note', 'string')]);
    const renamed = (extra: Json) => order([f('id', 'long'), f(`new_${t.slug.replaceAll('-', '_')}`, t.type(), extra), f('note', 'string')]);
    const alias = { aliases: [`old_${t.slug.replaceAll('-', '_')}`] };
    add('rename', `${t.slug} field renamed, no alias, no default`, w, renamed({}));
    add('rename', `${t.slug} field renamed with alias`, w, renamed(alias));
    add('rename', `${t.slug} field renamed, no alias, reader default`, w, renamed({ default: t.dflt }));
    if (['string', 'long', 'enum', 'record', 'bytes'].includes(t.slug)) add('rename', `${t.slug} field renamed with alias and default`, w, renamed({ ...alias, default: t.dflt }));
  }
  const simple = [f('id', 'long'), f('sku', 'string')];
  add('rename', 'record renamed, no alias', order(simple), order(simple, { name: 'Purchase' }));
  add('rename', 'record renamed with alias', order(simple), order(simple, { name: 'Purchase', aliases: [`${NS}.Order`] }));
  add('rename', 'record namespace changed with alias', order(simple), order(simple, { namespace: 'other.diff', aliases: [`${NS}.Order`] }));
  add('rename', 'nested record renamed, no alias', order([f('id', 'long'), f('ship', address())]), order([f('id', 'long'), f('ship', address(undefined, { name: 'Location' }))]));
  add('rename', 'nested record renamed with alias', order([f('id', 'long'), f('ship', address())]), order([f('id', 'long'), f('ship', address(undefined, { name: 'Location', aliases: [`${NS}.Address`] }))]));
  add('rename', 'enum renamed, no alias', order([f('id', 'long'), f('c', color())]), order([f('id', 'long'), f('c', color(undefined, { name: 'Colour' }))]));
  add('rename', 'enum renamed with alias', order([f('id', 'long'), f('c', color())]), order([f('id', 'long'), f('c', color(undefined, { name: 'Colour', aliases: [`${NS}.Color`] }))]));
  add('rename', 'fixed renamed, no alias', order([f('id', 'long'), f('h', hash())]), order([f('id', 'long'), f('h', hash(4, { name: 'Digest' }))]));
  add('rename', 'fixed renamed with alias', order([f('id', 'long'), f('h', hash())]), order([f('id', 'long'), f('h', hash(4, { name: 'Digest', aliases: [`${NS}.Hash`] }))]));
  add('rename', 'two fields swap names via aliases', order([f('id', 'long'), f('a', 'string'), f('b', 'long')]),
    order([f('id', 'long'), f('b2', 'string', { aliases: ['a'] }), f('a2', 'long', { aliases: ['b'] })]));
}

function reorders(add: (category: PairCategory, name: string, writer: Json, reader: Json) => void) {
  const fields = () => [f('id', 'long'), f('sku', 'string'), f('product', 'string'), f('qty', 'int'), f('price', 'double'), f('tags', { type: 'array', items: 'string' }), f('c', color())];
  const base = order(fields());
  const permuted = (idx: number[]) => { const fs = fields(); return order(idx.map((i) => fs[i]!)); };
  add('reorder', 'two string fields swapped (sku, product)', base, permuted([0, 2, 1, 3, 4, 5, 6]));
  add('reorder', 'all fields reversed', base, permuted([6, 5, 4, 3, 2, 1, 0]));
  add('reorder', 'rotated by one', base, permuted([1, 2, 3, 4, 5, 6, 0]));
  add('reorder', 'int and double swapped', base, permuted([0, 1, 2, 4, 3, 5, 6]));
  add('reorder', 'enum moved first', base, permuted([6, 0, 1, 2, 3, 4, 5]));
  const rnd = prng(20261127);
  for (let k = 0; k < 5; k++) {
    const idx = [0, 1, 2, 3, 4, 5, 6];
    for (let i = idx.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [idx[i], idx[j]] = [idx[j]!, idx[i]!]; }
    add('reorder', `seeded permutation ${idx.join('')}`, base, permuted(idx));
  }
  add('reorder', 'nested record fields reordered', order([f('id', 'long'), f('ship', address())]), order([f('id', 'long'), f('ship', address([f('zip', 'string'), f('street', 'string')]))]));
  add('reorder', 'array item record fields reordered', order([f('id', 'long'), f('lines', { type: 'array', items: line() })]),
    order([f('id', 'long'), f('lines', { type: 'array', items: line([f('qty', 'int'), f('sku', 'string')]) })]));
  add('reorder', 'reordered and a defaulted field added', order([f('id', 'long'), f('sku', 'string'), f('qty', 'int')]),
    order([f('currency', 'string', { default: 'EUR' }), f('qty', 'int'), f('id', 'long'), f('sku', 'string')]));
  add('reorder', 'reordered and a field removed', order([f('id', 'long'), f('sku', 'string'), f('qty', 'int'), f('note', 'string')]),
    order([f('qty', 'int'), f('sku', 'string'), f('id', 'long')]));
}

function addsAndRemovals(add: (category: PairCategory, name: string, writer: Json, reader: Json) => void) {
  const head = () => [f('id', 'long'), f('sku', 'string')];
  for (const t of TYPED) {
    const extra = (x: Json = {}) => f(`extra_${t.slug.replaceAll('-', '_')}`, t.type(), x);
    add('add-remove', `reader adds ${t.slug} field with default`, order(head()), order([...head(), extra({ default: t.dflt })]));
    add('add-remove', `reader adds ${t.slug} field without default`, order(head()), order([...head(), extra()]));
    add('add-remove', `writer field ${t.slug} removed in reader`, order([...head(), extra(), f('tail', 'int')]), order([...head(), f('tail', 'int')]));
  }
  add('add-remove', 'reader adds defaulted field first', order(head()), order([f('version', 'int', { default: 1 }), ...head()]));
  add('add-remove', 'reader adds defaulted array of records', order(head()), order([...head(), f('lines', { type: 'array', items: line() }, { default: [] })]));
  add('add-remove', 'writer array of records removed in reader', order([...head(), f('lines', { type: 'array', items: line() })]), order(head()));
  add('add-remove', 'writer map of records removed in reader', order([f('m', { type: 'map', values: line() }), ...head()]), order(head()));
  add('add-remove', 'reader adds two fields, one without default', order(head()), order([...head(), f('a', 'int', { default: 0 }), f('b', 'string')]));
}

function promotions(add: (category: PairCategory, name: string, writer: Json, reader: Json) => void) {
  const legal: Array<[string, string]> = [['int', 'long'], ['int', 'float'], ['int', 'double'], ['long', 'float'], ['long', 'double'], ['float', 'double'], ['string', 'bytes'], ['bytes', 'string']];
  const narrowing: Array<[string, string]> = [['long', 'int'], ['double', 'float'], ['float', 'int'], ['double', 'long'], ['string', 'int'], ['boolean', 'int'], ['int', 'boolean'], ['bytes', 'int']];
  const at = (t: unknown) => order([f('id', 'long'), f('v', t), f('note', 'string')]);
  for (const [w, r] of [...legal, ...narrowing]) add('promotion', `${w} to ${r}`, at(w), at(r));
  for (const [w, r] of [['int', 'long'], ['float', 'double'], ['long', 'int'], ['string', 'bytes']] as const) {
    add('promotion', `array items ${w} to ${r}`, at({ type: 'array', items: w }), at({ type: 'array', items: r }));
    add('promotion', `map values ${w} to ${r}`, at({ type: 'map', values: w }), at({ type: 'map', values: r }));
  }
  for (const [w, r] of [['int', 'long'], ['long', 'double'], ['double', 'float'], ['bytes', 'string']] as const) {
    add('promotion', `nullable ${w} to nullable ${r}`, at(['null', w]), at(['null', r]));
  }
  add('promotion', 'nested record int to long', at(address([f('n', 'int')])), at(address([f('n', 'long')])));
  add('promotion', 'nested record long to int', at(address([f('n', 'long')])), at(address([f('n', 'int')])));
}

function enums(add: (category: PairCategory, name: string, writer: Json, reader: Json) => void) {
  const at = (t: unknown) => order([f('id', 'long'), f('c', t)]);
  add('enum', 'reader adds a symbol', at(color(['RED', 'GREEN'])), at(color(['RED', 'GREEN', 'BLUE'])));
  add('enum', 'reader removes a symbol, no default', at(color()), at(color(['RED', 'GREEN'])));
  add('enum', 'reader removes a symbol, enum default', at(color()), at(color(['RED', 'GREEN'], { default: 'RED' })));
  add('enum', 'symbols reordered', at(color()), at(color(['BLUE', 'RED', 'GREEN'])));
  add('enum', 'symbol renamed, no default', at(color()), at(color(['RED', 'GREEN', 'AZURE'])));
  add('enum', 'symbol renamed, enum default', at(color()), at(color(['RED', 'GREEN', 'AZURE'], { default: 'GREEN' })));
  add('enum', 'disjoint symbols, enum default', at(color(['RED', 'GREEN'])), at(color(['CYAN', 'MAGENTA'], { default: 'CYAN' })));
  add('enum', 'enum to string', at(color()), at('string'));
  add('enum', 'string to enum', at('string'), at(color()));
  add('enum', 'writer default dropped by reader', at(color(undefined, { default: 'RED' })), at(color()));
  add('enum', 'array of enums, symbol removed with default', at({ type: 'array', items: color() }), at({ type: 'array', items: color(['RED', 'BLUE'], { default: 'BLUE' }) }));
  add('enum', 'map of enums, symbol removed no default', at({ type: 'map', values: color() }), at({ type: 'map', values: color(['RED', 'BLUE']) }));
  add('enum', 'nullable enum, symbol added', at(['null', color(['RED'])]), at(['null', color(['RED', 'GREEN'])]));
  add('enum', 'enum in a nested record, symbol removed with default', at(address([f('c', color())])), at(address([f('c', color(['GREEN'], { default: 'GREEN' }))])));
}

function unions(add: (category: PairCategory, name: string, writer: Json, reader: Json) => void) {
  const at = (t: unknown) => order([f('id', 'long'), f('u', t), f('note', 'string')]);
  add('union', 'string to nullable string', at('string'), at(['null', 'string']));
  add('union', 'long to nullable long', at('long'), at(['null', 'long']));
  add('union', 'record to nullable record', at(address()), at(['null', address()]));
  add('union', 'nullable string to string', at(['null', 'string']), at('string'));
  add('union', 'nullable record to record', at(['null', address()]), at(address()));
  add('union', 'nullable int to nullable long', at(['null', 'int']), at(['null', 'long']));
  add('union', 'nullable int to nullable string', at(['null', 'int']), at(['null', 'string']));
  add('union', 'branch added', at(['null', 'string']), at(['null', 'string', 'int']));
  add('union', 'branch removed', at(['null', 'string', 'int']), at(['null', 'string']));
  add('union', 'branches reordered', at(['int', 'string']), at(['string', 'int']));
  add('union', 'null branch moved last', at(['null', 'string']), at(['string', 'null']));
  add('union', 'int into nullable long', at('int'), at(['null', 'long']));
  add('union', 'int into nullable string', at('int'), at(['null', 'string']));
  add('union', 'string into nullable bytes', at('string'), at(['null', 'bytes']));
  add('union', 'nullable record gains a defaulted field', at(['null', address()]), at(['null', address([f('street', 'string'), f('zip', 'string'), f('country', 'string', { default: 'NL' })])]));
  add('union', 'nullable record renamed with alias', at(['null', address()]), at(['null', address(undefined, { name: 'Location', aliases: [`${NS}.Address`] })]));
  add('union', 'union of two records to one', at(['null', address(), line()]), at(['null', address()]));
  add('union', 'nullable enum to enum with default', at(['null', color()]), at(['null', color(['RED', 'GREEN'], { default: 'RED' })]));
}

function nested(add: (category: PairCategory, name: string, writer: Json, reader: Json) => void) {
  const at = (t: unknown) => order([f('id', 'long'), f('ship', t)]);
  const street = f('street', 'string');
  add('nested', 'nested field added with default', at(address([street])), at(address([street, f('zip', 'string', { default: '00000' })])));
  add('nested', 'nested field added without default', at(address([street])), at(address([street, f('zip', 'string')])));
  add('nested', 'nested field removed', at(address()), at(address([street])));
  add('nested', 'nested field renamed with alias', at(address()), at(address([street, f('postcode', 'string', { aliases: ['zip'] })])));
  add('nested', 'nested field renamed without alias', at(address()), at(address([street, f('postcode', 'string')])));
  add('nested', 'nested field type changed', at(address()), at(address([street, f('zip', 'int')])));
  const customer = (inner: Json, extra: Json[] = []) => ({ type: 'record', name: 'Customer', fields: [f('name', 'string'), f('home', inner), ...extra] });
  add('nested', 'two levels: inner field added with default', at(customer(address([street]))), at(customer(address([street, f('zip', 'string', { default: '' })]))));
  add('nested', 'two levels: inner int promoted to long', at(customer(address([street, f('n', 'int')]))), at(customer(address([street, f('n', 'long')]))));
  add('nested', 'two levels: inner field removed, outer defaulted field added', at(customer(address())), at(customer(address([street]), [f('vip', 'boolean', { default: false })])));
  add('nested', 'two levels: inner record renamed, no alias', at(customer(address())), at(customer(address(undefined, { name: 'Place' }))));
  add('nested', 'nested record made nullable by the writer', at(['null', address()]), at(address()));
  add('nested', 'nested record defaulted in reader, absent in writer', order([f('id', 'long')]), order([f('id', 'long'), f('ship', address(), { default: { street: 'x', zip: 'y' } })]));
  add('nested', 'recursive list promoted int to long',
    { type: 'record', name: 'Node', namespace: NS, fields: [f('value', 'int'), f('next', ['null', 'Node'], { default: null })] },
    { type: 'record', name: 'Node', namespace: NS, fields: [f('value', 'long'), f('next', ['null', 'Node'], { default: null })] });
}

function collections(add: (category: PairCategory, name: string, writer: Json, reader: Json) => void) {
  const arr = (items: unknown) => order([f('id', 'long'), f('lines', { type: 'array', items })]);
  const map = (values: unknown) => order([f('id', 'long'), f('lines', { type: 'map', values })]);
  const sku = f('sku', 'string');
  const qty = f('qty', 'int');
  for (const [kind, of] of [['array', arr], ['map', map]] as const) {
    add('array-map', `${kind} of records: defaulted field added`, of(line()), of(line([sku, qty, f('unit', 'string', { default: 'pcs' })])));
    add('array-map', `${kind} of records: field added without default`, of(line()), of(line([sku, qty, f('unit', 'string')])));
    add('array-map', `${kind} of records: field removed`, of(line()), of(line([qty])));
    add('array-map', `${kind} of records: int promoted to long`, of(line()), of(line([sku, f('qty', 'long')])));
    add('array-map', `${kind} of records: record renamed, no alias`, of(line()), of(line(undefined, { name: 'Item' })));
    add('array-map', `${kind} of records: record renamed with alias`, of(line()), of(line(undefined, { name: 'Item', aliases: [`${NS}.Line`] })));
    add('array-map', `${kind} of records: field renamed with alias`, of(line()), of(line([f('code', 'string', { aliases: ['sku'] }), qty])));
  }
  add('array-map', 'array of arrays int to long', arr({ type: 'array', items: 'int' }), arr({ type: 'array', items: 'long' }));
  add('array-map', 'map of arrays of records, defaulted field added', map({ type: 'array', items: line() }), map({ type: 'array', items: line([sku, qty, f('unit', 'string', { default: 'pcs' })]) }));
  add('array-map', 'array to map', arr('string'), map('string'));
}

function logicals(add: (category: PairCategory, name: string, writer: Json, reader: Json) => void) {
  const at = (t: unknown) => order([f('id', 'long'), f('v', t)]);
  const date = { type: 'int', logicalType: 'date' };
  const tsMillis = { type: 'long', logicalType: 'timestamp-millis' };
  const tsMicros = { type: 'long', logicalType: 'timestamp-micros' };
  const dec = (precision: number, scale: number) => ({ type: 'bytes', logicalType: 'decimal', precision, scale });
  const uuid = { type: 'string', logicalType: 'uuid' };
  add('logical', 'date to int', at(date), at('int'));
  add('logical', 'int to date', at('int'), at(date));
  add('logical', 'date to long', at(date), at('long'));
  add('logical', 'date to string', at(date), at('string'));
  add('logical', 'timestamp-millis to long', at(tsMillis), at('long'));
  add('logical', 'long to timestamp-millis', at('long'), at(tsMillis));
  add('logical', 'timestamp-millis to timestamp-micros', at(tsMillis), at(tsMicros));
  add('logical', 'timestamp-millis to double', at(tsMillis), at('double'));
  add('logical', 'timestamp-millis to int', at(tsMillis), at('int'));
  add('logical', 'decimal precision 10 to 12', at(dec(10, 2)), at(dec(12, 2)));
  add('logical', 'decimal to bytes', at(dec(10, 2)), at('bytes'));
  add('logical', 'decimal to string', at(dec(10, 2)), at('string'));
  add('logical', 'uuid to string', at(uuid), at('string'));
  add('logical', 'string to uuid', at('string'), at(uuid));
  add('logical', 'uuid to bytes', at(uuid), at('bytes'));
  add('logical', 'nullable date to nullable int', at(['null', date]), at(['null', 'int']));
  add('logical', 'reader adds defaulted date and timestamp', at('string'), order([f('id', 'long'), f('v', 'string'), f('day', date, { default: 0 }), f('at', tsMillis, { default: 0 })]));
}

function identities(add: (category: PairCategory, name: string, writer: Json, reader: Json) => void) {
  const all = order([f('id', 'long'), f('sku', 'string'), f('qty', 'int'), f('price', 'double'), f('ratio', 'float'), f('ok', 'boolean'), f('raw', 'bytes'), f('c', color()), f('h', hash()), f('opt', ['null', 'string'])]);
  add('identity', 'every primitive, enum, fixed and nullable', all, all);
  const nestedAll = order([f('id', 'long'), f('ship', address()), f('lines', { type: 'array', items: line() }), f('attrs', { type: 'map', values: 'long' })]);
  add('identity', 'nested record, array of records, map', nestedAll, nestedAll);
  const logical = order([f('day', { type: 'int', logicalType: 'date' }), f('at', { type: 'long', logicalType: 'timestamp-millis' }), f('amount', { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }), f('ref', { type: 'string', logicalType: 'uuid' })]);
  add('identity', 'logical types', logical, logical);
  const withDefaults = order([f('id', 'long'), f('currency', 'string', { default: 'EUR' })]);
  add('identity', 'same schema with a default', withDefaults, withDefaults);
  add('identity', 'same canonical form, reader adds doc and a default', order([f('id', 'long'), f('sku', 'string')]), order([f('id', 'long', { doc: 'the id' }), f('sku', 'string', { default: '' })], { doc: 'reader' }));
}

/** Seeded random combinations of two or three changes on one record (the last category). */
function combined(add: (category: PairCategory, name: string, writer: Json, reader: Json) => void, count: number) {
  type Field = { name: string; type: unknown; extra?: Json };
  interface Mutation { label: string; apply(w: Field[], r: Field[]): void }
  const mutations: Mutation[] = [
    { label: 'rename qty with alias', apply: (_w, r) => { const x = r.find((q) => q.name === 'qty'); if (x) { x.name = 'quantity'; x.extra = { ...x.extra, aliases: ['qty'] }; } } },
    { label: 'rename sku without alias', apply: (_w, r) => { const x = r.find((q) => q.name === 'sku'); if (x) x.name = 'product'; } },
    { label: 'reader adds defaulted currency', apply: (_w, r) => { r.push({ name: 'currency', type: 'string', extra: { default: 'EUR' } }); } },
    { label: 'reader adds score without default', apply: (_w, r) => { r.push({ name: 'score', type: 'double' }); } },
    { label: 'reader drops note', apply: (_w, r) => { const i = r.findIndex((q) => q.name === 'note'); if (i >= 0) r.splice(i, 1); } },
    { label: 'reverse reader fields', apply: (_w, r) => { r.reverse(); } },
    { label: 'promote qty to long', apply: (_w, r) => { const x = r.find((q) => q.name === 'qty' || q.name === 'quantity'); if (x && x.type === 'int') x.type = 'long'; } },
    { label: 'narrow price to float', apply: (_w, r) => { const x = r.find((q) => q.name === 'price'); if (x) x.type = 'float'; } },
    { label: 'writer price becomes float', apply: (w) => { const x = w.find((q) => q.name === 'price'); if (x) x.type = 'float'; } },
    { label: 'reader makes note nullable', apply: (_w, r) => { const x = r.find((q) => q.name === 'note'); if (x && x.type === 'string') x.type = ['null', 'string']; } },
    { label: 'writer makes note nullable', apply: (w) => { const x = w.find((q) => q.name === 'note'); if (x && x.type === 'string') x.type = ['null', 'string']; } },
    { label: 'reader enum loses BLUE with default', apply: (_w, r) => { const x = r.find((q) => q.name === 'c'); if (x) x.type = color(['RED', 'GREEN'], { default: 'RED' }); } },
    { label: 'reader enum loses BLUE', apply: (_w, r) => { const x = r.find((q) => q.name === 'c'); if (x) x.type = color(['RED', 'GREEN']); } },
    { label: 'writer adds tags array', apply: (w) => { w.push({ name: 'tags', type: { type: 'array', items: 'string' } }); } },
  ];
  const rnd = prng(9);
  const seen = new Set<string>();
  for (let attempts = 0; seen.size < count && attempts < count * 20; attempts++) {
    const picked: number[] = [];
    const n = 2 + Math.floor(rnd() * 2);
    while (picked.length < n) { const i = Math.floor(rnd() * mutations.length); if (!picked.includes(i)) picked.push(i); }
    const key = [...picked].sort((a, b) => a - b).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const fields = (): Field[] => [{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }, { name: 'qty', type: 'int' }, { name: 'price', type: 'double' }, { name: 'note', type: 'string' }, { name: 'c', type: color() }];
    const w = fields();
    const r = fields();
    for (const i of picked) mutations[i]!.apply(w, r);
    const toFields = (fs: Field[]) => fs.map((x) => f(x.name, x.type, x.extra ?? {}));
    add('combined', picked.map((i) => mutations[i]!.label).join(' + '), order(toFields(w)), order(toFields(r)));
  }
}

/** One topic, one reader, six writers in sequence: the producer's schema evolving (some compatibly). */
function evolving(push: (pair: WriterReaderPair) => void) {
  const reader = order([f('id', 'long'), f('sku', 'string'), f('qty', 'long'), f('price', 'double'), f('currency', 'string', { default: 'EUR' })]);
  const writers: Array<[string, Json]> = [
    ['v1: the reader without its defaulted field', order([f('id', 'long'), f('sku', 'string'), f('qty', 'long'), f('price', 'double')])],
    ['v2: int and float promoted by the reader', order([f('id', 'long'), f('sku', 'string'), f('qty', 'int'), f('price', 'float')])],
    ['v3: reordered, an extra field', order([f('price', 'double'), f('qty', 'long'), f('coupon', 'string'), f('sku', 'string'), f('id', 'long')])],
    ['v4: sku renamed to product', order([f('id', 'long'), f('product', 'string'), f('qty', 'long'), f('price', 'double')])],
    ['v5: price as a string', order([f('id', 'long'), f('sku', 'string'), f('qty', 'long'), f('price', 'string')])],
    ['v6: currency nullable in the writer', order([f('id', 'long'), f('sku', 'string'), f('qty', 'long'), f('price', 'double'), f('currency', ['null', 'string'])])],
  ];
  for (const [name, writer] of writers) push({ name: `evolving ${name}`, category: 'evolving', writer, reader, topicGroup: 'evolving-orders' });
}

export function generateWriterReaderPairs(): WriterReaderPair[] {
  const pairs: WriterReaderPair[] = [];
  const names = new Set<string>();
  const push = (pair: WriterReaderPair) => {
    if (names.has(pair.name)) throw new Error(`duplicate pair name ${pair.name}`);
    names.add(pair.name);
    pairs.push(pair);
  };
  const add = (category: PairCategory, name: string, writer: Json, reader: Json) => push({ name: `${category}: ${name}`, category, writer, reader });
  identities(add);
  renames(add);
  reorders(add);
  addsAndRemovals(add);
  promotions(add);
  enums(add);
  unions(add);
  nested(add);
  collections(add);
  logicals(add);
  combined(add, 24);
  evolving(push);
  return pairs;
}
