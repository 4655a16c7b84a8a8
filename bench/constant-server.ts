// The anchor of bench/registry.ts: a Fastify server (same version, same machine, its own process like
// `dagpact serve`) answering GET /constant/{name} with a body fixed at start-up, in the Confluent media
// type. What the HTTP stack itself costs for the same bytes; nothing behind it.
//
//   node --import tsx bench/constant-server.ts PORT NAME=BODY_FILE [NAME=BODY_FILE ...]
// As `dagpact serve` does first (src/cli/main.ts): the anchor keeps nextTick on V8's fast path too.
import '../src/support/tick-shape.js';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [port, ...bodies] = process.argv.slice(2);
const app = Fastify({ logger: false });
const constants = new Map(bodies.map((arg) => {
  const [name, file] = arg.split('=') as [string, string];
  return [name, readFileSync(file, 'utf8')];
}));
for (const [name, body] of constants) {
  app.get(`/constant/${name}`, async (_request, reply) => {
    reply.type('application/vnd.schemaregistry.v1+json');
    return body;
  });
}
await app.listen({ port: Number(port), host: '127.0.0.1' });
// A clean exit on SIGTERM, so that `node --cpu-prof` writes its profile (bench/registry-profile.ts).
process.on('SIGTERM', () => process.exit(0));
console.log('listening');
