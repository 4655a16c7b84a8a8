// The web console: static files under /ui (built into dist/ui by `npm run build`), and `/` redirects
// there. The pages call the documented /v1 API with the user's token; these routes serve files only,
// are public (the files hold no data) and stay out of the OpenAPI document.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { consoleCsp, makeAssetCache } from '../../ui/assets.js';

export async function uiRoutes(app: FastifyInstance, options: { directory?: string; connectOrigins?: string[] } = {}) {
  const assets = makeAssetCache(options.directory);
  const csp = consoleCsp(options.connectOrigins ?? []);
  const hidden = { hide: true } as const;

  function send(reply: FastifyReply, name: string) {
    const asset = assets.get(name);
    if (!asset) {
      const built = assets.built();
      return reply.status(404).type('application/json').send({
        error_code: 'ROUTE_NOT_FOUND',
        message: built ? `/ui/${name} does not exist; the console is at /ui/` : 'the console is not built: run "npm run build" (it writes dist/ui)',
      });
    }
    return reply
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .type(asset.type)
      .send(asset.body);
  }

  app.get('/', { schema: hidden, config: { public: true } }, async (_request, reply) => reply.redirect('/ui/', 302));
  app.get('/ui', { schema: hidden, config: { public: true } }, async (_request, reply) => send(reply, 'index.html'));
  app.get<{ Params: { file: string } }>('/ui/:file', { schema: hidden, config: { public: true } }, async (request, reply) =>
    send(reply, request.params.file));
}
