/**
 * Bounds on what the API does with a client's input, whatever the protocol: how deep JSON may
 * nest, how many values one request's input may hold, and how much an error may say about it.
 */

/** Levels of JSON nesting a body (REST) or a variable's value (GraphQL) may have. */
export const MAX_JSON_DEPTH = 32;

/**
 * Values (objects, lists, scalars) the input of one operation may hold. The largest valid inputs
 * hold about 150 (an agent with every list full) and 720 (a character with every bound full); the
 * bound keeps the work done on a refused body small whatever it holds.
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

export type JsonShapeExcess = 'depth' | 'values';

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Whether a JSON text nests deeper than `maxDepth` or holds more than `maxValues` values (array
 * items and object members), read from its bytes in one pass, before anything parses it:
 * parsing a megabyte of small members costs far more than reading it.
 */
export function jsonShapeExceeds(bytes: Uint8Array, maxDepth: number, maxValues: number): JsonShapeExcess | undefined {
  let depth = 0;
  let values = 0;
  let inString = false;
  let justOpened = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next byte
      else if (c === 0x22) inString = false;
      continue;
    }
    if (justOpened && !isWhitespace(c)) {
      justOpened = false;
      if (c !== 0x7d && c !== 0x5d && ++values > maxValues) return 'values';
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return 'depth';
      justOpened = true;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && ++values > maxValues) return 'values';
  }
  return undefined;
}
