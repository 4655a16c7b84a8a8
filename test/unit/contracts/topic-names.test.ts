// A topic name is normalised in three places today: the manifest (core/contracts/manifest.ts
// normalizeTopic, after the manifest's JSON Schema has checked the name), the admin client
// (pulsar-admin fullTopicName, which the gatekeeper and replay use for routing keys) and the Pulsar
// client (pulsar/client.ts normalizeTopic, applied to every topic it is given). This table pins where
// they agree and where they differ, until they have one home.
import { describe, expect, it } from 'vitest';
import { normalizeTopic as manifestTopic, parseManifest } from '../../../src/core/contracts/manifest.js';
import { DagpactError } from '../../../src/core/errors.js';
import { fullTopicName } from '../../../src/pulsar-admin/admin-client.js';
import { normalizeTopic as clientTopic } from '../../../src/pulsar/client.js';
import { PulsarClientError } from '../../../src/pulsar/types.js';

const outcome = (f: (name: string) => string, name: string): string => {
  try {
    return f(name);
  } catch (error) {
    if (error instanceof DagpactError) return `DagpactError ${error.code}`;
    if (error instanceof PulsarClientError) return `PulsarClientError ${error.code}`;
    throw error;
  }
};

const manifestWith = (topic: string) => ({ dag_id: 'd', version: '1', consumes: [{ topic, subject: 's', version: 1 }] });
const manifestAccepts = (topic: string): boolean => {
  try { parseManifest(manifestWith(topic)); return true; } catch { return false; }
};

describe('topic names: the three normalisations', () => {
  it.each([
    // name, manifest schema accepts it, manifest, admin client (routing keys), Pulsar client
    ['orders', true, 'persistent://public/default/orders', 'persistent://public/default/orders', 'persistent://public/default/orders'],
    ['t/ns/orders', true, 'persistent://t/ns/orders', 'persistent://t/ns/orders', 'persistent://t/ns/orders'],
    ['persistent://t/ns/orders', true, 'persistent://t/ns/orders', 'persistent://t/ns/orders', 'persistent://t/ns/orders'],
    ['non-persistent://t/ns/orders', true, 'non-persistent://t/ns/orders', 'non-persistent://t/ns/orders', 'non-persistent://t/ns/orders'],
    // The Pulsar client leaves any name with a scheme as it is; the other two expand a bare name after it.
    ['persistent://orders', true, 'persistent://public/default/orders', 'persistent://public/default/orders', 'persistent://orders'],
    ['non-persistent://orders', true, 'non-persistent://public/default/orders', 'non-persistent://public/default/orders', 'non-persistent://orders'],
    // Names the manifest's schema refuses before normalizeTopic sees them; the manifest's function
    // itself does not check, the two clients refuse with their own error classes.
    ['ns/orders', false, 'persistent://ns/orders', 'DagpactError BAD_REQUEST', 'PulsarClientError INVALID_ARGUMENT'],
    ['a/b/c/orders', false, 'persistent://a/b/c/orders', 'DagpactError BAD_REQUEST', 'PulsarClientError INVALID_ARGUMENT'],
    ['persistent://ns/orders', false, 'persistent://ns/orders', 'DagpactError BAD_REQUEST', 'persistent://ns/orders'],
  ])('%s', (name, accepted, manifest, admin, client) => {
    expect(manifestAccepts(name)).toBe(accepted);
    expect(outcome(manifestTopic, name)).toBe(manifest);
    expect(outcome(fullTopicName, name)).toBe(admin);
    expect(outcome(clientTopic, name)).toBe(client);
  });
});
