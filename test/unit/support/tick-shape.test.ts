// src/support/tick-shape.ts: after full collections with no tick queued, V8's feedback for the object
// literal in process.nextTick stays monomorphic when the module was imported, and goes megamorphic
// when it was not (the second case shows the fixture reproduces the problem the module exists for).
// Read from %DebugPrint in a child process: the feedback is not visible to plain JavaScript.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepTickShape } from '../../../src/support/tick-shape.js';

const FIXTURE = 'test/fixtures/tick-shape/feedback.ts';

function literalSlots(mode: 'keep' | 'plain'): string[] {
  // V8 prints to the C library's stdout: into a file, which it flushes whole at exit (through a pipe, a
  // share of runs lost the end of it).
  const dir = mkdtempSync(join(tmpdir(), 'tick-shape-'));
  const file = join(dir, 'out.txt');
  const fd = openSync(file, 'w');
  let out: string;
  try {
    execFileSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--import', 'tsx', FIXTURE, mode], { stdio: ['ignore', fd, 'inherit'] });
    out = readFileSync(file, 'utf8');
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return [...out.matchAll(/slot #\d+ DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1]!);
}

describe('keepTickShape', () => {
  const cases: Array<{ mode: 'keep' | 'plain'; expected: string[] }> = [
    { mode: 'keep', expected: ['MONOMORPHIC', 'MONOMORPHIC', 'MONOMORPHIC', 'MONOMORPHIC'] },
    // The first key's class is the literal's own, always alive; the three after it are the ones lost.
    { mode: 'plain', expected: ['MONOMORPHIC', 'MEGAMORPHIC', 'MEGAMORPHIC', 'MEGAMORPHIC'] },
  ];
  for (const { mode, expected } of cases) {
    it(`nextTick's literal feedback after idle full collections, ${mode}`, () => {
      expect(literalSlots(mode)).toEqual(expected);
    });
  }

  it('holds one tick object and returns the same one on every call', () => {
    const kept = keepTickShape();
    expect(kept).toBeTypeOf('object');
    expect(Object.getOwnPropertySymbols(kept).map(String)).toEqual(['Symbol(async_id_symbol)', 'Symbol(trigger_async_id_symbol)']);
    expect(keepTickShape()).toBe(kept);
  });
});
