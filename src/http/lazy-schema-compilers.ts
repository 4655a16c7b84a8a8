// Route schemas compiled on first use instead of at start-up (docs/adr/0021). Fastify compiles every
// route's validators (ajv) and response serializers (fast-json-stringify) before it listens: a third
// of the server's start-up. These are Fastify's own default compilers, with the same options and
// shared schemas, each wrapped so that a route's schema is compiled once, when a request first needs
// it. `compileAll()` compiles every pending one at once (the unit test that every schema compiles).
import ValidatorSelector from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type Compiled = ((...args: unknown[]) => unknown) & { errors?: unknown };
type Compile = (route: unknown) => Compiled;
type Builder = (externalSchemas: unknown, options: unknown) => Compile;

export interface LazySchemaCompilers {
  /** Fastify's `schemaController.compilersFactory`. */
  compilersFactory: { buildValidator: Builder; buildSerializer: Builder };
  /** Compiles every schema not compiled yet and says how many; throws the first compile error. */
  compileAll(): number;
}

export function lazySchemaCompilers(): LazySchemaCompilers {
  const pending = new Set<() => Compiled>();

  function lazy(compile: () => Compiled): Compiled {
    let compiled: Compiled | undefined;
    const force = () => {
      compiled ??= compile();
      pending.delete(force);
      return compiled;
    };
    pending.add(force);
    // Fastify reads a failed validation's `errors` from the function it called: copied from ajv's.
    // This runs on every request: after the first call it is one property read and the call itself.
    const wrapper: Compiled = function (this: unknown) {
      const fn = compiled ?? force();
      // `arguments`, not a rest parameter: no array allocated per call.
      const result = fn.apply(this, arguments as unknown as unknown[]);
      wrapper.errors = fn.errors;
      return result;
    };
    return wrapper;
  }

  const wrap = (builder: Builder): Builder => (externalSchemas, options) => {
    const compile = builder(externalSchemas, options);
    return (route) => lazy(() => compile(route));
  };

  return {
    compilersFactory: {
      buildValidator: wrap((ValidatorSelector as unknown as () => Builder)()),
      buildSerializer: wrap((SerializerSelector as unknown as () => Builder)()),
    },
    compileAll() {
      const all = [...pending];
      for (const force of all) force();
      return all.length;
    },
  };
}
