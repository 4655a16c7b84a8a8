import { describe, expect, it } from 'vitest';
import { requestIdGenerator } from '../../../src/http/request-ids.js';

describe('request ids', () => {
  it('are UUID-shaped and distinct within a process, and differ between processes', () => {
    const next = requestIdGenerator();
    const ids = Array.from({ length: 10_000 }, () => next());
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Another generator (another process) starts from another random prefix.
    expect(requestIdGenerator()().slice(0, 24)).not.toBe(ids[0]!.slice(0, 24));
  });
});
