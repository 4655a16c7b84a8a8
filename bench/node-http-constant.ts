// Beside the anchor of bench/registry.ts: node:http alone, no framework, answering GET /constant/{name}
// with the same bodies and media type as bench/constant-server.ts. The ceiling of any handler in front
// of Fastify (docs/adr/0030): what Node's HTTP server costs for the same bytes.
//
//   node --import tsx bench/node-http-constant.ts PORT NAME=BODY_FILE [NAME=BODY_FILE ...]
import '../src/support/tick-shape.js';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, ...bodies] = process.argv.slice(2);
const answers = new Map(bodies.map((arg) => {
  const [name, file] = arg.split('=') as [string, string];
  const body = readFileSync(file, 'utf8');
  return [`/constant/${name}`, { body, headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', 'content-length': Buffer.byteLength(body) } }];
}));
const server = createServer((request, response) => {
  const answer = request.method === 'GET' ? answers.get(request.url ?? '') : undefined;
  if (!answer) { response.writeHead(404).end(); return; }
  response.writeHead(200, answer.headers).end(answer.body);
});
server.listen(Number(port), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => process.exit(0));
