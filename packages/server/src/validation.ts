// Strict integers in query strings and path parameters. ajv's type coercion turns any string that
// Number() accepts into a number: `1e309` and `Infinity` became Infinity (passing `maximum`), `0x10`
// became 16, ` 5` became 5. Before the schema's own validator runs, every property the schema
// declares `integer` must be written in plain decimal and be a safe integer; the schema's bounds
// then apply as usual. This wraps fastify's default compiler, so it holds for every route.
import AjvCompiler from '@fastify/ajv-compiler';

type BuildValidator = ReturnType<typeof AjvCompiler>;
interface RouteDefinition {
  readonly schema: unknown;
  readonly method: string;
  readonly url: string;
  readonly httpPart?: string;
}
interface AjvLikeError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message: string;
}
type Validate = ((data: unknown, ctx?: unknown) => unknown) & { errors?: AjvLikeError[] | null; schemaEnv?: unknown };

const DECIMAL = /^-?(0|[1-9][0-9]*)$/;

interface IntegerProperty {
  readonly name: string;
  readonly range: string;
}

/** The schema's top-level properties declared as integers, with their bounds for messages. */
function integerProperties(schema: unknown): IntegerProperty[] {
  const props = (schema as { properties?: Record<string, { type?: unknown; minimum?: number; maximum?: number }> } | undefined)?.properties;
  if (!props) return [];
  return Object.entries(props)
    .filter(([, s]) => s.type === 'integer' || (Array.isArray(s.type) && s.type.includes('integer')))
    .map(([name, s]) => ({ name, range: `from ${s.minimum ?? Number.MIN_SAFE_INTEGER} to ${s.maximum ?? Number.MAX_SAFE_INTEGER}` }));
}

/** The first raw value that is not a plain decimal safe integer, as an ajv-shaped error. */
function rawIntegerError(data: unknown, props: readonly IntegerProperty[]): AjvLikeError | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  for (const { name, range } of props) {
    const raw = (data as Record<string, unknown>)[name];
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (typeof v !== 'string') continue;
      if (!DECIMAL.test(v) || !Number.isSafeInteger(Number(v))) {
        return {
          instancePath: `/${name}`,
          schemaPath: `#/properties/${name}/type`,
          keyword: 'integer',
          params: {},
          message: `must be an integer ${range} in decimal digits (got ${JSON.stringify(v.slice(0, 40))})`,
        };
      }
    }
  }
  return undefined;
}

/** fastify's default (ajv) validator factory, with strict integers for the querystring and params parts. */
export function strictValidators(): BuildValidator {
  const base = AjvCompiler();
  return ((externalSchemas: Parameters<BuildValidator>[0], options: Parameters<BuildValidator>[1]) => {
    const compile = base(externalSchemas, options) as unknown as (route: RouteDefinition) => Validate;
    return (route: RouteDefinition) => {
      const validate = compile(route);
      if (route.httpPart !== 'querystring' && route.httpPart !== 'params') return validate;
      const props = integerProperties(route.schema);
      if (props.length === 0) return validate;
      const strict: Validate = (data, ctx) => {
        const bad = rawIntegerError(data, props);
        if (bad) {
          strict.errors = [bad];
          return false;
        }
        const ok = ctx === undefined ? validate(data) : validate(data, ctx);
        strict.errors = validate.errors ?? null;
        return ok;
      };
      if (validate.schemaEnv !== undefined) strict.schemaEnv = validate.schemaEnv;
      return strict;
    };
  }) as unknown as BuildValidator;
}
