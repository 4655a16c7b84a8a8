// /v1 schema registry: subjects and versions (registry-subjects.ts), schemas by id
// (registry-schemas.ts), compatibility levels and modes (registry-settings.ts). Registered in this
// order, which is also their order in the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { registrySchemaRoutes } from './registry-schemas.js';
import { registrySettingRoutes } from './registry-settings.js';
import { registrySubjectRoutes } from './registry-subjects.js';

export async function registryNativeRoutes(app: FastifyInstance, deps: AppDeps) {
  await registrySubjectRoutes(app, deps);
  await registrySchemaRoutes(app, deps);
  await registrySettingRoutes(app, deps);
}
