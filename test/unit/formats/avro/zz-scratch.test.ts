import { it } from 'vitest';
import { makeAvroProvider } from '../../../../src/core/formats/avro/provider.js';
it('scratch', () => {
  const avro = makeAvroProvider();
  const w = avro.parse(JSON.stringify({ type: 'record', name: 'R', namespace: 'a', fields: [{ name: 'a', type: 'long' }, { name: 'i', type: 'int' }, { name: 'u', type: ['null', 'long'] }, {name:'b', type:'bytes'}] }));
  const r = avro.parse(JSON.stringify({ type: 'record', name: 'R', namespace: 'b', fields: [{ name: 'a', type: 'double' }, { name: 'i', type: 'long' }, { name: 'u', type: ['null', 'double'] }, {name:'b', type:'string'}, { name: 'z', type: 'string', default: 'dz' }] }));
  console.log(w.canonical, avro.backwardIssues(r, w), avro.backwardIssues(w, r));
  const native = w.native as any;
  const buf = native.type.toBuffer({ a: 2n ** 62n, i: 7, u: { long: 5n }, b: Buffer.from('hi') });
  console.log(avro.checkPayload(buf, w), avro.checkPayload(buf, w, r));
  console.log(avro.checkPayload(Buffer.from([0x02, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f]), w));
  try { avro.parse('{"type":"record","name":"1x","fields":[{"name":"a","type":"strin"},{"name":"a","type":"int","default":"x"}]}'); } catch (e: any) { console.log(e.message, e.details); }
});
