// A request's logger, made when something first logs through it (docs/adr/0023). Fastify gives every
// request a child of the server's logger bound to its request id; pino builds a child by serializing its
// bindings, which costs a registry read more than the read itself, while most requests log nothing at
// the configured level. This stands in for the child: a call at a level that is off returns at once, and
// the first call at a level that is on makes the real child, which then serves every later call.
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

type Method = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

class LazyRequestLogger {
  private made: Logger | undefined;

  constructor(private readonly parent: Logger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

  private get logger(): Logger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  private log(method: Method, args: unknown[]): void {
    if (!(this.made ?? this.parent).isLevelEnabled(method)) return;
    (this.logger[method] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]) { this.log('fatal', args); }
  error(...args: unknown[]) { this.log('error', args); }
  warn(...args: unknown[]) { this.log('warn', args); }
  info(...args: unknown[]) { this.log('info', args); }
  debug(...args: unknown[]) { this.log('debug', args); }
  trace(...args: unknown[]) { this.log('trace', args); }
  silent() {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger { return this.logger.child(bindings, options); }
  isLevelEnabled(level: string): boolean { return (this.made ?? this.parent).isLevelEnabled(level); }
  get level(): string { return (this.made ?? this.parent).level; }
  set level(level: string) { this.logger.level = level; }
}

/** Fastify's `childLoggerFactory`: the stand-in above instead of an eager pino child. */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  // The server's logger is pino's (start/common.ts), whose Logger has isLevelEnabled.
  return new LazyRequestLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger;
}
