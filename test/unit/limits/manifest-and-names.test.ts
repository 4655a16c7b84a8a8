// Issue 11: hostile manifests are refused quickly with a path, and Pulsar names that could walk
// to another admin path never reach the admin client.
import { describe, expect, it } from 'vitest';
import { parseManifest, readManifestText } from '../../../src/core/contracts/manifest.js';
import { DagpactError } from '../../../src/core/errors.js';
import { pulsarNameProblem, topicNameProblem } from '../../../src/core/pulsar-names.js';
import { makePulsarAdmin, parseTopicName } from '../../../src/pulsar-admin/admin-client.js';

function problems(fn: () => unknown): Array<{ path: string; message: string }> {
  try { fn(); } catch (e) {
    if (e instanceof DagpactError) { expect(e.code).toBe('INVALID_MANIFEST'); return (e.details as { problems: Array<{ path: string; message: string }> }).problems; }
    throw e;
  }
  throw new Error('expected INVALID_MANIFEST');
}

describe('manifest text bounds', () => {
  it('finds a duplicate key in a 209 KB manifest with one pass (no quadratic check)', () => {
    const keys = Array.from({ length: 9_900 }, (_, i) => `some_key_name_${i}: 1`).join(', ');
    const text = `dag_id: d\nversion: v\nconsumes: [{topic: t, subject: s, version: 1, ${keys}, some_key_name_5: 2}]\n`;
    expect(text.length).toBeGreaterThan(200_000);
    const cpu = process.cpuUsage();
    const found = problems(() => readManifestText(text));
    const used = process.cpuUsage(cpu);
    expect(found[0]).toEqual({ path: "$.consumes[0].some_key_name_5", message: 'is given twice; each key may appear once' });
    // Generous: YAML's own pairwise check needs tens of seconds of CPU here.
    expect((used.user + used.system) / 1e6).toBeLessThan(5);
  });

  it('refuses 2 MB of nested flow collections before parsing', () => {
    const text = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
    expect(problems(() => readManifestText(text))[0]!.message).toMatch(/at most 524288/);
    const deep = `dag_id: ${'['.repeat(100)}${']'.repeat(100)}`;
    expect(problems(() => readManifestText(deep))[0]!.message).toMatch(/more than 64 levels deep/);
  });

  it('refuses more keys than the limit', () => {
    const text = `{${Array.from({ length: 10_001 }, (_, i) => `"k${i}":1`).join(',')}}`;
    expect(problems(() => readManifestText(text))[0]!.message).toMatch(/more than 10000 keys/);
  });

  it('still reads ordinary manifests, aliases included', () => {
    expect(readManifestText('a: &x {b: 1}\nc: *x\n')).toEqual({ a: { b: 1 }, c: { b: 1 } });
  });
});

describe('Pulsar names', () => {
  it('refuses dot-dot, slashes and foreign characters in manifest topics, naming the entry', () => {
    const found = problems(() => parseManifest({
      dag_id: 'd', version: 'v',
      consumes: [{ topic: 'persistent://../../clusters', subject: 's', version: 1 }, { topic: 'public/default/ok', subject: 's', version: 1, trigger_topic: 'a/..b/c' }],
    }));
    expect(found.map((p) => p.path)).toEqual(['$.consumes[0].topic', '$.consumes[1].trigger_topic']);
    expect(found[0]!.message).toMatch(/may not be "\." or contain "\.\."/);
  });

  it('follows Pulsar\'s character rules', () => {
    expect(pulsarNameProblem('orders-v1_x=y:z.1', 'topic')).toBeUndefined();
    expect(pulsarNameProblem('a%2Fb', 'topic')).toMatch(/letters, digits/);
    expect(topicNameProblem('persistent://t/ns/x')).toBeUndefined();
    expect(topicNameProblem('t/x')).toMatch(/not a Pulsar topic/);
  });

  it('never builds an admin path from a name that could leave its segment', async () => {
    expect(() => parseTopicName('persistent://../../x')).toThrow(/may not be/);
    expect(() => parseTopicName('..')).toThrow(/may not be/);
    const admin = makePulsarAdmin({ url: 'http://127.0.0.1:9', token: 'secret' });
    await expect(admin.createNamespace('public/..')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin.getSchemaCompatibilityStrategy('a/b/c')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
