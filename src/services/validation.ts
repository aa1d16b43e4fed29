import type { z } from 'zod';
import { MAX_LISTED_FIELDS, invalidRequest, type FieldError } from '../errors.js';
import { bounded } from './input-bounds.js';

function fieldPath(path: PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/** The issues as field errors: one more than are listed at most (invalidRequest says the list was cut). */
export function zodFieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.slice(0, MAX_LISTED_FIELDS + 1).map((issue) => {
    const path = fieldPath(issue.path);
    return {
      field: bounded(prefix && path ? `${prefix}.${path}` : prefix || path || '(body)'),
      message: bounded(issue.message),
    };
  });
}

/** Parses `value` with `schema` or throws INVALID_REQUEST listing every offending field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidRequest(zodFieldErrors(result.error, prefix));
  return result.data;
}
