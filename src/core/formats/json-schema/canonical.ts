// Canonical text and content address of a JSON Schema: keys sorted recursively, no whitespace.
import { createHash } from 'node:crypto';
import { sortedJson } from '../../registry/content.js';

export function canonicalJson(value: unknown): string {
  return sortedJson(value);
}

export function fingerprintOf(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}
