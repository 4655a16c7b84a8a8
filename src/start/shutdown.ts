// Graceful shutdown shared by every long-running entry point (server, gatekeeper).
// The first SIGTERM/SIGINT runs the registered steps in order (stop accepting, drain, close) within a
// deadline; a second signal, or the deadline, exits at once.
import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run(): Promise<void>;
}

export function installShutdown(options: { log: Logger; deadlineMs: number; steps: ShutdownStep[]; exit?: (code: number) => void }) {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;

  async function shutdown(signal: string) {
    if (shuttingDown) {
      options.log.warn({ signal }, 'second signal: exiting now without draining');
      exit(130);
      return;
    }
    shuttingDown = true;
    options.log.info({ signal, deadlineMs: options.deadlineMs }, 'shutting down: draining in-flight work');
    const timer = setTimeout(() => {
      options.log.error({ deadlineMs: options.deadlineMs }, 'shutdown deadline passed: exiting without finishing the drain');
      exit(1);
    }, options.deadlineMs);
    timer.unref();
    let code = 0;
    for (const step of options.steps) {
      try {
        await step.run();
        options.log.debug({ step: step.name }, 'shutdown step done');
      } catch (error) {
        code = 1;
        options.log.error({ step: step.name, err: error }, 'shutdown step failed');
      }
    }
    clearTimeout(timer);
    options.log.info('shutdown complete');
    exit(code);
  }

  const onSignal = (signal: NodeJS.Signals) => { void shutdown(signal); };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return { shutdown, dispose: () => { process.off('SIGTERM', onSignal); process.off('SIGINT', onSignal); } };
}
