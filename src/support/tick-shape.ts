// Keeps `process.nextTick` on V8's fast path for the life of the process (docs/adr/0027).
//
// Node makes one object per scheduled tick from a literal with two computed keys (the async ids). V8
// records, per key, the hidden class it saw the object in; the feedback holds those classes weakly, and
// the classes themselves live only while some object has them. A full garbage collection at a moment
// when no tick is queued (start-up, or any idle moment) collects them. The next tick makes new classes,
// the recorded ones no longer match, and V8 marks those keys megamorphic for good: from then on every
// tick object is built through the runtime, property by property. Several ticks per HTTP request and per
// Pulsar frame made that a fifth of the registry's CPU per read.
//
// Holding one tick object keeps its classes, and so the recorded feedback, alive. It is taken at
// import, with an async hook enabled only around one nextTick; nothing else changes. It cannot undo
// feedback that went megamorphic before it ran: import it first.
import { createHook } from 'node:async_hooks';

let kept: object | undefined;

const noop = () => {};

/** Takes and holds one of Node's tick objects (once per process); returns it, undefined if none was seen. */
export function keepTickShape(): object | undefined {
  if (kept !== undefined) return kept;
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject' && kept === undefined) kept = resource as object;
    },
  });
  hook.enable();
  try {
    process.nextTick(noop);
  } finally {
    hook.disable();
  }
  return kept;
}

keepTickShape();
