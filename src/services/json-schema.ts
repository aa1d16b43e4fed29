import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FieldError } from '../errors.js';
import { bounded } from './input-bounds.js';

// ajv-formats is CommonJS: its default export is the plugin function (or holds it).
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/**
 * Schemas clients write (tool parameters) are compiled in strict mode: an unknown keyword, a
 * misspelt `type` or a `required` property that is not declared is an error, not silently
 * ignored. Union types (`["string", "null"]`) are allowed: model providers use them. Formats are
 * ajv-formats' (date-time, email, uri, ...); references resolve only inside the schema.
 */
function strictAjv(options: { useDefaults?: boolean } = {}): Ajv {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true, logger: false, ...options });
  return addFormats(ajv);
}

const clientSchemas = strictAjv();
const catalogSchemas = strictAjv({ useDefaults: true });

/**
 * Compiles a schema a client wrote, or answers why it is not one. The compiled schema is not kept
 * in the shared instance (a client's `$id` must never name anything for another schema).
 */
export function compileClientSchema(schema: Record<string, unknown>): { validate: ValidateFunction } | { error: string } {
  try {
    const validate = clientSchemas.compile(schema);
    return { validate };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    clientSchemas.removeSchema(schema);
  }
}

const compiledCatalog = new WeakMap<object, ValidateFunction>();

/** A validator of a catalog (server-written) schema that fills in `default`s where values are absent. */
export function catalogValidator(schema: Record<string, unknown>): ValidateFunction {
  let validate = compiledCatalog.get(schema);
  if (!validate) {
    validate = catalogSchemas.compile(schema);
    compiledCatalog.set(schema, validate);
  }
  return validate;
}

/** ajv's errors as field errors under `prefix` (e.g. `config.precision`). */
export function schemaFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string): FieldError[] {
  return (errors ?? []).map((error) => {
    const path = error.instancePath
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
      .join('');
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'additionalProperties') {
      return { field: bounded(`${prefix}${path}.${String(params['additionalProperty'])}`), message: 'is not a known field' };
    }
    if (error.keyword === 'required') {
      return { field: bounded(`${prefix}${path}.${String(params['missingProperty'])}`), message: 'is required' };
    }
    return { field: bounded(`${prefix}${path}`), message: bounded(error.message ?? 'is invalid') };
  });
}
