// A topic name has one reading (core/pulsar-names.ts readTopicName / normalizeTopic): the manifest,
// the admin client (parseTopicName), the Pulsar client (fullTopicName) and the gatekeeper's routing
// keys all go through it, and differ only in the error class they refuse a name with.
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/core/contracts/manifest.js';
import { DagpactError } from '../../../src/core/errors.js';
import { fullName, normalizeTopic } from '../../../src/core/pulsar-names.js';
import { parseTopicName } from '../../../src/pulsar-admin/admin-client.js';
import { fullTopicName } from '../../../src/pulsar/client.js';
import { PulsarClientError } from '../../../src/pulsar/types.js';

const outcome = (f: (name: string) => string, name: string): string => {
  try {
    return f(name);
  } catch (error) {
    if (error instanceof DagpactError) return `refused (${error.code})`;
    if (error instanceof PulsarClientError) return `refused (${error.code})`;
    throw error;
  }
};

const manifestTopic = (topic: string): string => {
  try {
    return parseManifest({ dag_id: 'd', version: '1', consumes: [{ topic, subject: 's', version: 1 }] }).consumes[0]!.topic;
  } catch (error) {
    if (error instanceof DagpactError) return `refused (${error.code})`;
    throw error;
  }
};

describe('topic names: one rule set', () => {
  it.each([
    ['orders', 'persistent://public/default/orders'],
    ['t/ns/orders', 'persistent://t/ns/orders'],
    ['persistent://t/ns/orders', 'persistent://t/ns/orders'],
    ['non-persistent://t/ns/orders', 'non-persistent://t/ns/orders'],
    // A bare name after a scheme lives in public/default, as it does without one.
    ['persistent://orders', 'persistent://public/default/orders'],
    ['non-persistent://orders', 'non-persistent://public/default/orders'],
    ['orders-partition-3', 'persistent://public/default/orders-partition-3'],
    // Two parts, four parts, or a part Pulsar would not take: not a topic name, wherever it is given.
    ['ns/orders', undefined],
    ['a/b/c/orders', undefined],
    ['persistent://ns/orders', undefined],
    ['persistent://../../x', undefined],
    ['t/ns/or ders', undefined],
    ['', undefined],
  ])('%s', (name, full) => {
    expect(outcome(normalizeTopic, name)).toBe(full ?? 'refused (BAD_REQUEST)');
    expect(outcome((n) => fullName(parseTopicName(n)), name)).toBe(full ?? 'refused (BAD_REQUEST)');
    expect(outcome(fullTopicName, name)).toBe(full ?? 'refused (INVALID_ARGUMENT)');
    expect(manifestTopic(name)).toBe(full ?? 'refused (INVALID_MANIFEST)');
  });
});
