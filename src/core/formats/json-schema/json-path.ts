// Rendering of locations: JSON paths ($.a.b[0]) for problems in input, and JSON Pointer-style
// fragments (#/properties/a) for places in a schema.

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.properties.age.type` from path segments; odd keys are quoted (`$['a b']`). */
export function jsonPath(segments: ReadonlyArray<string | number>): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENT.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Splits an RFC 6901 pointer (`/a/0/b~1c`) into unescaped segments; array indexes stay strings. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return pointer === '/' ? [''] : [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Ajv's instancePath (`/a/0`) as a JSON path (`$.a[0]`): all-digit segments become indexes. */
export function instancePathToJsonPath(pointer: string, extra?: string): string {
  const segs: Array<string | number> = pointerSegments(pointer).map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
  if (extra !== undefined) segs.push(extra);
  return jsonPath(segs);
}

export function escapePointer(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Appends segments to a schema location such as `#/properties/a`. */
export function childPath(base: string, ...segments: Array<string | number>): string {
  return segments.reduce<string>((p, s) => `${p}/${escapePointer(s)}`, base);
}
