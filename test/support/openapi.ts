// Renders the OpenAPI document the app serves at /docs/yaml, from an app on an in-memory database.
import { buildTestApp } from './app.js';
import { createPgliteTestDatabase } from './db.js';

export async function renderOpenApiYaml(): Promise<string> {
  const t = await buildTestApp({ db: await createPgliteTestDatabase() });
  try {
    const res = await t.app.inject({ method: 'GET', url: '/docs/yaml' });
    return res.body.endsWith('\n') ? res.body : res.body + '\n';
  } finally {
    await t.close();
    await t.db.drop();
  }
}
