// Writes openapi.yaml from the routes' own schemas: `npm run openapi:write`.
// test/integration/http/openapi.test.ts fails when the committed file differs from what is served.
import { writeFileSync } from 'node:fs';
import { renderOpenApiYaml } from '../test/support/openapi.js';

writeFileSync('openapi.yaml', await renderOpenApiYaml());
console.log('openapi.yaml written');
process.exit(0);
