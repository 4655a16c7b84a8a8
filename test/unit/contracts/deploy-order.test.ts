// The order of a multi-DAG deploy (ADR 0021) as a table of named changes: which DAG goes first, or
// why none can. Pure: schemas are parsed here, DAG versions are plain records.
import { describe, expect, it } from 'vitest';
import { planDeployOrder, type ChangeMember, type DagSchemas } from '../../../src/core/contracts/deploy-order.js';
import type { DagVersionRecord } from '../../../src/core/contracts/types.js';
import { makeFormats } from '../../../src/core/formats/index.js';
import type { ParsedSchema } from '../../../src/core/formats/types.js';

const formats = makeFormats();
const compare = async (reader: ParsedSchema, writer: ParsedSchema) => formats.get(reader.format).backwardIssues(reader, writer);
type Field = { name: string; type: unknown; default?: unknown };
const avro = (fields: Field[]) => formats.get('AVRO').parse(JSON.stringify({ type: 'record', name: 'Order', fields }));
const ID = { name: 'id', type: 'string' };
const AMOUNT = { name: 'amount', type: 'double' };
const AMOUNT_DEFAULT = { name: 'amount', type: 'double', default: 0 };
const NOTE = { name: 'note', type: 'string' };
const NOTE_DEFAULT = { name: 'note', type: 'string', default: '' };

let nextId = 1;
function dag(dagId: string, version: string, io: { reads?: Record<string, Field[]>; writes?: Record<string, Field[]> }): DagSchemas {
  const dagVersion = { id: nextId++, dagId, version } as DagVersionRecord;
  const map = (m: Record<string, Field[]> = {}) => new Map(Object.entries(m).map(([t, f]) => [t, { format: 'AVRO' as const, parsed: avro(f) }]));
  return { dagVersion, reads: map(io.reads), writes: map(io.writes) };
}

const cases: Array<{ name: string; members: () => ChangeMember[]; order?: string[]; refused?: RegExp }> = [
  {
    name: 'a consumer that tolerates the new schema goes before the producer that writes it',
    members: () => [
      { next: dag('p', '2', { writes: { t: [ID] } }), current: dag('p', '1', { writes: { t: [ID, AMOUNT] } }) },
      { next: dag('c', '2', { reads: { t: [ID, AMOUNT_DEFAULT] } }), current: dag('c', '1', { reads: { t: [ID, AMOUNT] } }) },
    ],
    order: ['c@2', 'p@2'],
  },
  {
    name: 'a producer whose new field a new consumer requires goes first',
    members: () => [
      { next: dag('c', '2', { reads: { t: [ID, NOTE] } }), current: dag('c', '1', { reads: { t: [ID] } }) },
      { next: dag('p', '2', { writes: { t: [ID, NOTE_DEFAULT] } }), current: dag('p', '1', { writes: { t: [ID] } }) },
    ],
    order: ['p@2', 'c@2'],
  },
  {
    name: 'no constraint keeps the given order',
    members: () => [
      { next: dag('c', '2', { reads: { t: [ID] } }), current: dag('c', '1', { reads: { t: [ID] } }) },
      { next: dag('p', '2', { writes: { t: [ID, NOTE_DEFAULT] } }), current: dag('p', '1', { writes: { t: [ID] } }) },
    ],
    order: ['c@2', 'p@2'],
  },
  {
    name: 'a DAG new to the environment constrains nothing',
    members: () => [
      { next: dag('p', '2', { writes: { t: [ID] } }), current: dag('p', '1', { writes: { t: [ID, AMOUNT] } }) },
      { next: dag('c', '1', { reads: { t: [ID] } }) },
    ],
    order: ['p@2', 'c@1'],
  },
  {
    name: 'a chain over two topics: a → b → c',
    members: () => [
      { next: dag('c', '2', { reads: { u: [ID, NOTE] } }), current: dag('c', '1', { reads: { u: [ID] } }) },
      { next: dag('b', '2', { reads: { t: [ID, NOTE] }, writes: { u: [ID, NOTE_DEFAULT] } }), current: dag('b', '1', { reads: { t: [ID] }, writes: { u: [ID] } }) },
      { next: dag('a', '2', { writes: { t: [ID, NOTE_DEFAULT] } }), current: dag('a', '1', { writes: { t: [ID] } }) },
    ],
    order: ['a@2', 'b@2', 'c@2'],
  },
  {
    name: 'each new reader needing what only the other new writer writes is a cycle',
    members: () => [
      { next: dag('x', '2', { reads: { t: [ID, NOTE] }, writes: { u: [ID, NOTE_DEFAULT] } }), current: dag('x', '1', { reads: { t: [ID] }, writes: { u: [ID] } }) },
      { next: dag('y', '2', { reads: { u: [ID, NOTE] }, writes: { t: [ID, NOTE_DEFAULT] } }), current: dag('y', '1', { reads: { u: [ID] }, writes: { t: [ID] } }) },
    ],
    refused: /no order keeps every intermediate state valid: (x@2 must come before y@2|y@2 must come before x@2).*, and (x@2|y@2) must come before/,
  },
  {
    name: 'new versions that cannot work together are refused whatever the order',
    members: () => [
      { next: dag('p', '2', { writes: { t: [ID] } }), current: dag('p', '1', { writes: { t: [ID, NOTE] } }) },
      { next: dag('c', '2', { reads: { t: [ID, NOTE] } }), current: dag('c', '1', { reads: { t: [ID, NOTE] } }) },
    ],
    refused: /cannot be active together, in any order: c@2 cannot read what p@2 writes on t/,
  },
];

describe('planDeployOrder', () => {
  it.each(cases)('$name', async ({ members, order, refused }) => {
    const plan = await planDeployOrder(compare, members());
    if (order) {
      expect(plan.ok ? plan.order : plan.message).toEqual(order);
    } else {
      expect(plan.ok).toBe(false);
      expect(plan.ok ? '' : plan.message).toMatch(refused!);
    }
  });
});
