// The one reader of Confluent's wire format (core/confluent-frame.ts), used by the gatekeeper's
// identification and the quarantine's decoding.
import { describe, expect, it } from 'vitest';
import { readConfluentFrame } from '../../../src/core/confluent-frame.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('readConfluentFrame', () => {
  it.each([
    ['schema id 7 and a body', bytes(0, 0, 0, 0, 7, 42, 43), { schemaId: 7, body: bytes(42, 43) }],
    ['the largest id (big-endian, unsigned)', bytes(0, 0xff, 0xff, 0xff, 0xff), { schemaId: 0xffffffff, body: bytes() }],
    ['id 0 is no frame', bytes(0, 0, 0, 0, 0, 1), undefined],
    ['another magic byte', bytes(1, 0, 0, 0, 7), undefined],
    ['too short for a header', bytes(0, 0, 0, 7), undefined],
    ['empty', bytes(), undefined],
  ])('%s', (_name, payload, expected) => {
    expect(readConfluentFrame(payload)).toEqual(expected);
  });
});
