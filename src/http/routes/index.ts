// Every route plugin, registered once here.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { healthRoutes } from './health.js';
import { tokenRoutes } from './tokens.js';

export async function registerRoutes(app: FastifyInstance, deps: AppDeps) {
  await healthRoutes(app, deps);
  await tokenRoutes(app, deps);
}
