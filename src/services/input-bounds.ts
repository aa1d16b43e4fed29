/**
 * Bounds on what the API does with a client's input, whatever the protocol: how deep JSON may
 * nest, how many values one request's input may hold, and how much an error may say about it.
 */

/** Levels of JSON nesting a body (REST) or a variable's value (GraphQL) may have. */
export const MAX_JSON_DEPTH = 32;

/**
 * Values (objects, lists, scalars) the input of one operation may hold. The largest valid input
 * (an agent with every list full) holds about 150; the bound keeps the work done on a refused
 * body small whatever it holds.
 */
export const MAX_INPUT_VALUES = 1_000;

/** Characters of a field error's name or message (either may quote what the client sent). */
export const MAX_FIELD_TEXT = 200;

export const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';

export function hasNul(text: string): boolean {
  return text.includes('\u0000');
}

/** Whether `value` nests deeper than `limit` levels; walks no further than that. */
export function nestedDeeperThan(value: unknown, limit: number, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= limit) return true;
  for (const child of Object.values(value)) {
    if (nestedDeeperThan(child, limit, depth + 1)) return true;
  }
  return false;
}

export function bounded(text: string): string {
  return text.length <= MAX_FIELD_TEXT ? text : `${text.slice(0, MAX_FIELD_TEXT - 1)}…`;
}
