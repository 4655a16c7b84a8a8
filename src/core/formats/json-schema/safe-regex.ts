// Every regular expression a user supplies (JSON Schema `pattern` and `patternProperties`) runs on
// RE2JS, a linear-time engine with RE2 semantics, never on V8's backtracking engine: a schema must
// not be able to stall payload validation, the gatekeeper or the compatibility diff (docs/adr/0013).
// Patterns RE2 cannot run (lookaround, backreferences) are refused when a schema is registered.
import { RE2JS } from 're2js';

export interface SafeRegex { test(input: string): boolean }

const MAX_CACHED = 2000;
const compiled = new Map<string, RE2JS>();

/** Why RE2 refuses `source`, or undefined when it compiles. */
export function unsafePatternReason(source: string): string | undefined {
  try {
    compileCached(source);
    return undefined;
  } catch (e) {
    return `cannot run in linear time (${(e as Error).message.replace(/^error parsing regexp: /, '')}); ` +
      'dagpact runs patterns with RE2 semantics: drop lookahead/lookbehind and backreferences';
  }
}

function compileCached(source: string): RE2JS {
  let re = compiled.get(source);
  if (!re) {
    re = RE2JS.compile(source);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(source, re);
  }
  return re;
}

/** `source` compiled for a partial match (ECMA-262 `test` semantics); throws for what RE2 refuses. */
export function safeRegex(source: string): SafeRegex {
  const re = compileCached(source);
  return { test: (input) => re.test(input) };
}

/** Like `new RegExp(source, 'u').test(value)`, linear-time; undefined when the pattern cannot run. */
export function safeTest(source: string, value: string): boolean | undefined {
  try {
    return compileCached(source).test(value);
  } catch {
    return undefined;
  }
}

/** Ajv's `code.regExp` engine: RE2 semantics, same interface as RegExp for what Ajv needs. */
export function ajvRegExpEngine(source: string, _flags: string): SafeRegex {
  return safeRegex(source);
}
ajvRegExpEngine.code = 'require("re2js").RE2JS.compile';
