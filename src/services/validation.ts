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

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/i;

/**
 * An ISO-8601 date (`2030-02-28`) or date-time with its offset (`…T12:00:00Z`, `…+02:00`), or
 * undefined. Dates that do not exist (`2030-02-30`, hour 24) are refused rather than rolled over
 * into the next month, as `new Date` would.
 */
export function parseTimestamp(text: string): Date | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const calendar = new Date(Date.UTC(year!, month! - 1, day!));
  const validDay = calendar.getUTCMonth() === month! - 1 && calendar.getUTCDate() === day;
  if (!validDay || hour! > 23 || minute! > 59 || second! > 59 || offsetHours! > 23 || offsetMinutes! > 59) {
    return undefined;
  }
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
