// Benchmark: the Pulsar client's receive-side frame decoding (FrameDecoder.push: reassembly from socket
// chunks, the checksum, the command and the metadata), one build against another. Each build given on
// the command line is loaded from its own dist/ in its own child process, rounds alternate between them,
// and the first build is the reference of every ratio.
//
// Input: 2,000 MESSAGE frames (1 KiB payload; metadata with a producer name and, per BENCH_PROPERTIES,
// the gatekeeper's seven forward properties or none) cut into 64 KiB chunks, as a socket hands them over.
//
//   npm run build
//   git worktree add /tmp/ref <commit> && ln -s "$PWD/node_modules" /tmp/ref/node_modules && (cd /tmp/ref && npx tsc -p tsconfig.build.json)
//   npx tsx bench/frame-decode.ts /tmp/ref .
//
// Env: BENCH_ROUNDS (default 7), BENCH_PROPERTIES (none | forward; default both, one table each).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const FRAMES = 2000;
const REPEAT = 100;

/** Runs in a child: loads one build's frames.js and prints ns per frame for one measurement. */
async function child(root: string, properties: string): Promise<void> {
  const dist = (file: string) => import(pathToFileURL(resolve(root, 'dist/src/pulsar', file)).href);
  const { FrameDecoder, encodePayloadCommand, encodeMetadata } = await dist('frames.js');
  const { CommandType } = await dist('proto.js');
  const props = properties === 'forward' ? {
    'trace-id': '4bf92f3577b34da6a3ce929d0e0e4736', 'dagpact-dag-id': 'orders_daily', 'dagpact-dag-version': '2026.11.3',
    'dagpact-contract-subject': 'orders-value', 'dagpact-contract-version': '12', 'dagpact-source-topic': 'persistent://orders-team/prod/orders',
    'dagpact-writer-schema-id': '41',
  } : {};
  const payload = Buffer.alloc(1024, 0x61);
  const frames = Array.from({ length: FRAMES }, (_, i) => encodePayloadCommand(
    { type: CommandType.MESSAGE, message: { consumer_id: 1, message_id: { ledgerId: 123_456, entryId: i }, redelivery_count: 0 } },
    encodeMetadata({
      producer_name: 'standalone-0-12', sequence_id: i, publish_time: '1764300000000',
      properties: Object.entries({ ...props, ...(properties === 'forward' ? { 'dagpact-source-message-id': `123456:${i}:-1:-1` } : {}) })
        .map(([key, value]) => ({ key, value })),
    }),
    payload,
  ));
  const stream = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += 65_536) chunks.push(stream.subarray(at, at + 65_536));
  let decoded = 0;
  const pass = () => {
    const decoder = new FrameDecoder();
    for (const chunk of chunks) decoded += decoder.push(chunk).frames.length;
  };
  for (let i = 0; i < REPEAT; i++) pass(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < REPEAT; i++) pass();
  const ns = Number(process.hrtime.bigint() - t0) / (REPEAT * FRAMES);
  if (decoded !== 2 * REPEAT * FRAMES) throw new Error(`decoded ${decoded} frames, expected ${2 * REPEAT * FRAMES}`);
  console.log(ns.toFixed(1));
}

if (process.env.FRAME_DECODE_CHILD) {
  await child(process.env.FRAME_DECODE_CHILD, process.env.FRAME_DECODE_PROPERTIES ?? 'none');
} else {
  const roots = process.argv.slice(2);
  if (roots.length < 2) throw new Error('usage: npx tsx bench/frame-decode.ts REFERENCE_ROOT ROOT [ROOT ...] (directories with a built dist/)');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const properties of (process.env.BENCH_PROPERTIES ?? 'none,forward').split(',')) {
    const times = roots.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? roots.map((_, i) => i) : roots.map((_, i) => roots.length - 1 - i);
      for (const i of order) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname], {
          env: { ...process.env, FRAME_DECODE_CHILD: roots[i], FRAME_DECODE_PROPERTIES: properties }, encoding: 'utf8',
        });
        times[i]!.push(Number(out.trim()));
      }
    }
    console.log(`\nFrameDecoder.push, ${FRAMES} MESSAGE frames (1 KiB payload, properties: ${properties}) in 64 KiB chunks; median of ${ROUNDS} rounds, ns per frame\n`);
    console.log('| build | ns/frame | ÷ reference (same round, median) |');
    console.log('|---|---:|---:|');
    roots.forEach((root, i) => {
      const ratio = median(times[i]!.map((t, k) => t / times[0]![k]!));
      console.log(`| ${root}${i === 0 ? ' (reference)' : ''} | ${median(times[i]!).toFixed(0)} | ${ratio.toFixed(2)} |`);
    });
  }
}
