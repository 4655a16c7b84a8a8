// The reference of bench/startup.ts: a bare Fastify hello-world answering /healthz, nothing else.
//
//   node .tmp/bench-hello-server.mjs PORT   (bench/startup.ts compiles it there)
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' });
