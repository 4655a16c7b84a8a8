// Pulsar's rules for tenant, namespace and topic names, checked wherever a name enters dagpact (a
// manifest, an API call) and again before one becomes part of an admin-API path: letters, digits and
// - _ = : . only, never "." or "..", never a "/" inside a part. A name that passes can never walk to
// another admin path with the server's own token (docs/adr/0013).

import { DagpactError } from './errors.js';

const PART = /^[A-Za-z0-9_=:.-]+$/;

/** Why `part` is not a usable Pulsar tenant/namespace/topic name, or undefined when it is. */
export function pulsarNameProblem(part: string, what: 'tenant' | 'namespace' | 'topic'): string | undefined {
  if (part.length === 0) return `the ${what} name is empty`;
  if (part.length > 255) return `the ${what} name is longer than 255 characters`;
  if (!PART.test(part)) return `the ${what} name "${part.slice(0, 100)}" may only hold letters, digits and - _ = : .`;
  if (part === '.' || part.includes('..')) return `the ${what} name "${part.slice(0, 100)}" may not be "." or contain ".."`;
  return undefined;
}

/** A topic name read into its parts. */
export interface TopicName {
  persistent: boolean;
  tenant: string;
  namespace: string;
  topic: string;
}

/**
 * The one reading of a topic name, used by the manifest, the admin client, the Pulsar client and the
 * gatekeeper's routing keys: `persistent://t/ns/x` and `non-persistent://t/ns/x` as they are, `t/ns/x`
 * as persistent, a bare `x` (also after a scheme) in public/default. Every part must pass
 * pulsarNameProblem. Returns the parts, or why the name is not a topic name.
 */
export function readTopicName(name: string): TopicName | { problem: string } {
  const scheme = /^(persistent|non-persistent):\/\//.exec(name);
  const persistent = !scheme || scheme[1] === 'persistent';
  const parts = (scheme ? name.slice(scheme[0].length) : name).split('/');
  if (parts.length !== 1 && parts.length !== 3) {
    return { problem: `"${name.slice(0, 200)}" is not a Pulsar topic name; use persistent://tenant/namespace/topic` };
  }
  const [tenant, namespace, topic] = parts.length === 1 ? ['public', 'default', parts[0]!] : parts as [string, string, string];
  const problem = (parts.length === 3 ? pulsarNameProblem(tenant, 'tenant') ?? pulsarNameProblem(namespace, 'namespace') : undefined)
    ?? pulsarNameProblem(topic, 'topic');
  return problem ? { problem } : { persistent, tenant, namespace, topic };
}

/** The problem with a topic name (see readTopicName), if any. */
export function topicNameProblem(name: string): string | undefined {
  const read = readTopicName(name);
  return 'problem' in read ? read.problem : undefined;
}

/** A topic name in full (`persistent://tenant/namespace/topic`); throws BAD_REQUEST when it is not one. */
export function normalizeTopic(name: string): string {
  const read = readTopicName(name);
  if ('problem' in read) throw new DagpactError('BAD_REQUEST', read.problem);
  return fullName(read);
}

export function fullName(t: TopicName): string {
  return `${t.persistent ? 'persistent' : 'non-persistent'}://${t.tenant}/${t.namespace}/${t.topic}`;
}
