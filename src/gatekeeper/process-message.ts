// One source message, end to end: resolve + decide (resolver.ts, core/gatekeeper/decide.ts), then forward / quarantine
// / reject every per-DAG decision and return only once all of them are durable. The caller acks on
// success and nacks on a throw; after `poisonRedeliveries` failed deliveries the message is held with
// reason PROCESSING_FAILED instead, so a message that can never be processed cannot loop forever.
// Only a failure about the message counts: a transient one (an unavailable database, registry or
// broker, see isTransientFailure) is always thrown, so a valid message is never held because of an outage.
import { NO_DAG, type Decision } from '../core/gatekeeper/decide.js';
import type { PulsarWriter, Resolver } from './resolver.js';
import { isTransientFailure } from './retry-pause.js';
import type { Sinks } from './sinks.js';
import type { Route, SourceMessage } from './types.js';

export interface ProcessDeps {
  resolver: Resolver;
  sinks: Sinks;
  poisonRedeliveries: number;
  /** Called with each settled decision (metrics). */
  onDecision?(message: SourceMessage, decision: Decision, decisionSeconds: number): void;
}

export interface ProcessResult {
  decisions: Decision[];
  poison: boolean;
}

/** Every decision's effect, durable when the promise resolves. Not an async function: one frame less per message. */
function settle(deps: ProcessDeps, message: SourceMessage, decisions: Decision[], pulsarWriter: PulsarWriter | undefined): Promise<unknown> {
  // Each DAG's effect is independent; all must be durable before the source message is acked.
  const effect = (d: Decision) => (d.outcome === 'ACCEPT' ? deps.sinks.forward(message, d) : deps.sinks.hold(message, d, pulsarWriter));
  // Most topics feed one DAG: its effect is awaited alone, without an array and Promise.all per message.
  return decisions.length === 1 ? effect(decisions[0]!) : Promise.all(decisions.map(effect));
}

export async function processMessage(deps: ProcessDeps, message: SourceMessage, routes: readonly Route[]): Promise<ProcessResult> {
  const started = performance.now();
  try {
    // Almost always answered in this tick (everything cached): no promise to wait for then.
    const resolved = deps.resolver.resolveAndDecideNow({ message, routes });
    const { decisions, pulsarWriter } = resolved instanceof Promise ? await resolved : resolved;
    const seconds = (performance.now() - started) / 1000;
    await settle(deps, message, decisions, pulsarWriter);
    for (const d of decisions) deps.onDecision?.(message, d, seconds);
    return { decisions, poison: false };
  } catch (error) {
    if (message.redeliveryCount < deps.poisonRedeliveries || isTransientFailure(error)) throw error;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const decisions: Decision[] = (routes.length ? routes.map((r) => ({ dagId: r.dagId, route: r })) : [{ dagId: NO_DAG, route: undefined }])
      .map(({ dagId, route }) => ({
        outcome: 'QUARANTINE' as const, dagId, ...(route ? { route } : {}),
        reasonCode: 'PROCESSING_FAILED' as const,
        reason: `processing failed ${message.redeliveryCount + 1} times (last: ${text}); held so the topic keeps moving. Replay once the cause is fixed.`,
        writer: { via: 'none' as const },
      }));
    // If this fails too (e.g. the database is down), the throw makes the caller nack again.
    await settle(deps, message, decisions, undefined);
    for (const d of decisions) deps.onDecision?.(message, d, (performance.now() - started) / 1000);
    return { decisions, poison: true };
  }
}
