// The request logger stand-in: no child until a line at an enabled level; then the same lines, with the
// same bindings, as an eager pino child would write.
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lazyRequestLogger } from '../../../src/http/lazy-request-logger.js';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  const logger = pino({ level, base: undefined, timestamp: false }, stream);
  let children = 0;
  const child = logger.child;
  // Counted on the root only (a child inherits this wrapper; `this` keeps each call on its own logger).
  logger.child = function (this: typeof logger, ...args: Parameters<typeof child>) {
    if (this === logger) children++;
    return child.apply(this, args);
  } as typeof logger.child;
  return { logger, lines, children: () => children };
}

describe('lazyRequestLogger', () => {
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
  it.each(['warn', 'info', 'silent'])('at level %s: writes exactly what an eager child writes', (level) => {
    const lazy = capture(level);
    const eager = capture(level);
    const log = lazyRequestLogger(lazy.logger, { reqId: 'r-1' }, {});
    const child = eager.logger.child({ reqId: 'r-1' });
    for (const l of levels) {
      log[l]({ n: 1 }, `${l} line`);
      child[l]({ n: 1 }, `${l} line`);
    }
    expect(lazy.lines).toEqual(eager.lines);
    // A child is made only once, and only if some line was on.
    expect(lazy.children()).toBe(level === 'silent' ? 0 : 1);
  });

  it('makes no child while nothing is logged at an enabled level', () => {
    const c = capture('warn');
    const log = lazyRequestLogger(c.logger, { reqId: 'r-2' }, {});
    log.info('not printed');
    log.debug({ a: 1 }, 'not printed');
    expect((log as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled('info')).toBe(false);
    expect(log.level).toBe('warn');
    expect(c.children()).toBe(0);
    expect(c.lines).toEqual([]);
  });

  it('a child of it carries both bindings', () => {
    const c = capture('info');
    lazyRequestLogger(c.logger, { reqId: 'r-3' }, {}).child({ part: 'x' }).info('hello');
    expect(c.lines).toEqual([{ level: 30, reqId: 'r-3', part: 'x', msg: 'hello' }]);
  });
});
