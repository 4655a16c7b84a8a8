// Pulsar's rules for tenant, namespace and topic names, checked wherever a name enters dagpact (a
// manifest, an API call) and again before one becomes part of an admin-API path: letters, digits and
// - _ = : . only, never "." or "..", never a "/" inside a part. A name that passes can never walk to
// another admin path with the server's own token (docs/adr/0013).

const PART = /^[A-Za-z0-9_=:.-]+$/;

/** Why `part` is not a usable Pulsar tenant/namespace/topic name, or undefined when it is. */
export function pulsarNameProblem(part: string, what: 'tenant' | 'namespace' | 'topic'): string | undefined {
  if (part.length === 0) return `the ${what} name is empty`;
  if (part.length > 255) return `the ${what} name is longer than 255 characters`;
  if (!PART.test(part)) return `the ${what} name "${part.slice(0, 100)}" may only hold letters, digits and - _ = : .`;
  if (part === '.' || part.includes('..')) return `the ${what} name "${part.slice(0, 100)}" may not be "." or contain ".."`;
  return undefined;
}

/** The problem with a `persistent://tenant/ns/topic` (or `tenant/ns/topic`, or bare) name, if any. */
export function topicNameProblem(name: string): string | undefined {
  const rest = name.replace(/^(persistent|non-persistent):\/\//, '');
  const parts = rest.split('/');
  if (parts.length !== 1 && parts.length !== 3) return `"${name.slice(0, 200)}" is not a Pulsar topic: use persistent://tenant/namespace/topic`;
  const roles = parts.length === 1 ? (['topic'] as const) : (['tenant', 'namespace', 'topic'] as const);
  for (let i = 0; i < parts.length; i++) {
    const problem = pulsarNameProblem(parts[i]!, roles[i]!);
    if (problem) return problem;
  }
  return undefined;
}
