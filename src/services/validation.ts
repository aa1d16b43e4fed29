import type { z } from 'zod';
import { invalidRequest, type FieldError } from '../errors.js';

function fieldPath(path: PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

export function zodFieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => {
    const path = fieldPath(issue.path);
    return {
      field: prefix && path ? `${prefix}.${path}` : prefix || path || '(body)',
      message: issue.message,
    };
  });
}

/** Parses `value` with `schema` or throws INVALID_REQUEST listing every offending field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidRequest(zodFieldErrors(result.error, prefix));
  return result.data;
}
