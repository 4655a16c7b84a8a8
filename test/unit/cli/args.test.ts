// The CLI's strict parsing and the manifest line mapping, as tables of named cases.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError, type CliCommand } from '../../../src/cli/args.js';
import { lineOf, lineOfTopic, readManifests } from '../../../src/cli/manifest-files.js';
import { closest } from '../../../src/core/suggest.js';

const command: CliCommand = {
  summary: 's', usage: ['x'], maxPositionals: 1, run: async () => 0,
  options: {
    format: { type: 'string', help: '' }, force: { type: 'boolean', help: '' }, server: { type: 'string', help: '' },
    url: { type: 'string', help: '', aliasOf: 'server' },
  },
};
const parse = (argv: string[]) => parseCommandLine('x', command, argv, () => undefined);

describe('strict parsing', () => {
  const refused: Array<[string, string[], RegExp]> = [
    ['a misspelt option', ['a', '--formt', 'json'], /unknown option --formt; did you mean --format\?/],
    ['a misspelt boolean', ['a', '--froce'], /unknown option --froce; did you mean --force\?/],
    ['an option far from any', ['a', '--zzzzzzzz'], /^unknown option --zzzzzzzz$/],
    ['an extra argument', ['a', 'b'], /unexpected argument "b"/],
    ['a value missing', ['a', '--format'], /option --format needs a value/],
  ];
  it.each(refused)('%s is a usage error', (_name, argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });

  it('folds a deprecated alias into its option, warning once', () => {
    const warnings: string[] = [];
    const r = parseCommandLine('x', command, ['--url', 'http://h'], (w) => warnings.push(w));
    expect(r.flags.get('server')).toBe('http://h');
    expect(warnings).toEqual(['dagpact x: --url is deprecated; use --server']);
  });

  it('--help is recognised anywhere and never an error', () => {
    expect(parse(['a', 'b', 'c', '--help']).help).toBe(true);
  });

  it('suggests the closest name only when it is close', () => {
    expect(closest('stagin', ['dev', 'staging', 'prod'])).toBe('staging');
    expect(closest('qa', ['dev', 'staging', 'prod'])).toBeUndefined();
  });
});

describe('manifest documents and lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagpact-cli-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'm.yaml');
  writeFileSync(file, [
    'dag_id: a', 'version: "1"', 'produces:', '  - topic: orders', '    subject: orders-value', '    version: 1',
    '---', 'dag_id: b', 'version: "2"', 'consumes:', '  - topic: persistent://public/default/orders', '    subject: s', '    version: latest', '',
  ].join('\n'));

  it('reads every document of a multi-document file', () => {
    expect(readManifests([file]).map((m) => `${m.dagId}@${m.version}`)).toEqual(['a@1', 'b@2']);
  });

  it('maps JSON paths and topics to lines', () => {
    const [a, b] = readManifests([file]);
    expect(lineOf(a!, '$.produces[0].subject')).toBe(5);
    expect(lineOfTopic(a!, 'persistent://public/default/orders', 'produce')).toBe(4);
    expect(lineOf(b!, '$.consumes[0].version')).toBe(13);
    expect(lineOfTopic(b!, 'persistent://public/default/orders', 'consume')).toBe(11);
  });
});
