// Every route plugin, registered once here.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { auditRoutes } from './audit.js';
import { ccompatRoutes } from './ccompat.js';
import { checkRoutes } from './checks.js';
import { dagRoutes } from './dags.js';
import { deploymentRoutes } from './deployments.js';
import { environmentRoutes } from './environments.js';
import { healthRoutes } from './health.js';
import { overviewRoutes } from './overview.js';
import { quarantineRoutes } from './quarantine.js';
import { registryNativeRoutes } from './registry-native.js';
import { tokenRoutes } from './tokens.js';
import { uiRoutes } from './ui.js';
import { livePulsarRoutes } from './live-pulsar.js';
import { consoleConfigRoutes } from './console-config.js';

export async function registerRoutes(app: FastifyInstance, deps: AppDeps) {
  await healthRoutes(app, deps);
  await tokenRoutes(app, deps);
  await auditRoutes(app, deps);
  await registryNativeRoutes(app, deps);
  await ccompatRoutes(app, deps);
  await quarantineRoutes(app, deps);
  await dagRoutes(app, deps);
  await checkRoutes(app, deps);
  await environmentRoutes(app, deps);
  await deploymentRoutes(app, deps);
  await overviewRoutes(app, deps);
  await livePulsarRoutes(app, deps);
  await consoleConfigRoutes(app, deps);
  await uiRoutes(app, { ...(deps.console?.oidc ? { connectOrigins: [new URL(deps.console.oidc.issuer).origin] } : {}) });
}
