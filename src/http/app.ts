// buildApp(deps): the whole HTTP API as a Fastify instance, with no listening socket. server.ts
// listens; tests call app.inject() on the same app.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { DEFAULT_HTTP_LIMITS, type AppDeps, type HttpLimits } from './deps.js';
import { guardIdleTimeout, makeHardening } from './hardening.js';
import { installAuth } from './auth-hook.js';
import { installErrorHandling } from './error-handler.js';
import { installMetrics } from './metrics.js';
import { requestIdGenerator } from './request-ids.js';
import { registerRoutes } from './routes/index.js';
import { sharedSchemas } from './shared-schemas.js';
import { installRequestPipeline } from './request-pipeline.js';
import { lazyRequestLogger } from './lazy-request-logger.js';
import { lazySchemaCompilers } from './lazy-schema-compilers.js';

export const API_VERSION = '0.1.0';

type SchemaCompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/** JSON media types accepted on request bodies: Confluent's clients send their own. */
const JSON_MEDIA_TYPES = [
  'application/vnd.schemaregistry.v1+json',
  'application/vnd.schemaregistry+json',
  'application/octet-stream',
];

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...deps.httpLimits };
  const app = Fastify({
    ...(deps.logger ? {
      loggerInstance: deps.logger, childLoggerFactory: lazyRequestLogger,
      // Fastify's two info lines per request, skipped unless the level prints them (it builds their objects first).
      logController: new LogController({ disableRequestLogging: !deps.logger.isLevelEnabled('info') }),
    } : { logger: false }),
    bodyLimit: deps.bodyLimitBytes ?? 8 * 1024 * 1024,
    // Request ids are ours: a client-sent x-request-id is never trusted (it would forge log lines).
    requestIdHeader: false,
    genReqId: requestIdGenerator(),
    // Slow or idle clients must not hold sockets (docs/adr/0013). The idle timeout is our sweep, not
    // Node's socket timeout (hardening.ts guardIdleTimeout): a socket with no traffic for idleTimeoutMs
    // is destroyed, one that never sends a byte included, not while a request is being handled. Node
    // checks headers/request timeouts every second and answers 408 before closing.
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: 1000 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true },
    // Fastify's own compilers, wrapped; their validate functions are typed loosely on our side.
    schemaController: { compilersFactory: (deps.schemaCompilers ?? lazySchemaCompilers()).compilersFactory as SchemaCompilersFactory },
  }) as unknown as FastifyInstance;
  app.server.maxConnections = limits.maxConnections;
  app.server.headersTimeout = limits.headersTimeoutMs;
  // Everything every request goes through, in order (request-pipeline.ts), before any route exists.
  installRequestPipeline(app, {
    startup: deps.startup,
    idle: guardIdleTimeout(app.server, limits.idleTimeoutMs),
    hardening: makeHardening({
      openMode: !deps.tokens.enabled, allowedHosts: limits.allowedHosts,
      authFailures: { maxFailures: limits.authFailuresPerWindow, windowMs: limits.authFailureWindowMs, maxClients: 10_000 },
    }),
    authenticate: installAuth(app, { tokens: deps.tokens, authReads: deps.authReads, audit: deps.audit }),
    record: installMetrics(app, deps.metrics),
  });

  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(JSON_MEDIA_TYPES, { parseAs: 'string' }, jsonParser);

  for (const schema of sharedSchemas) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'dagpact',
        version: API_VERSION,
        description: 'Schema registry and contract versioning for event-driven Airflow pipelines on Apache Pulsar. ' +
          'Native API under /v1; Confluent Schema Registry compatible API under /ccompat.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          basicAuth: { type: 'http', scheme: 'basic', description: 'Confluent-style: any user name, the token as password' },
        },
      },
      security: [{ bearerAuth: [] }, { basicAuth: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  // staticCSP: the docs pages get a Content-Security-Policy with hashes of their own inline parts.
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' }, staticCSP: true });

  installErrorHandling(app);
  await registerRoutes(app, deps);
  return app;
}
