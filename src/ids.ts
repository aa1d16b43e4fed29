import { randomFillSync } from 'node:crypto';

/** Prefixes of the opaque, sortable IDs, and the GraphQL type each one names. */
export const ID_PREFIXES = {
  acc: 'Account',
  key: 'ApiKey',
  agt: 'Agent',
  cnv: 'Conversation',
  msg: 'Message',
  chr: 'Character',
  tol: 'Tool',
  whk: 'Webhook',
  evt: 'WebhookEvent',
  dlv: 'WebhookDelivery',
  doc: 'KnowledgeDocument',
  mcs: 'McpServer',
} as const;

export type IdPrefix = keyof typeof ID_PREFIXES;
export type TypeName = (typeof ID_PREFIXES)[IdPrefix];

const PREFIX_BY_TYPE = Object.fromEntries(
  Object.entries(ID_PREFIXES).map(([prefix, type]) => [type, prefix]),
) as Record<TypeName, IdPrefix>;

/** A new ID such as `agt_01JD4S9X6Q0M4W2T8ZK7Y3N5HB`: the prefix, then a ULID (time-ordered). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextMonotonicUlid(Date.now())}`;
}

const ID_PATTERN = /^([a-z]{3})_[0-9A-HJKMNP-TV-Z]{26}$/;

/** The type an ID names, or undefined when it is not one of ours. */
export function typeOfId(id: string): TypeName | undefined {
  const match = ID_PATTERN.exec(id);
  if (!match) return undefined;
  return ID_PREFIXES[match[1] as IdPrefix];
}

export function prefixOfType(type: string): IdPrefix | undefined {
  return PREFIX_BY_TYPE[type as TypeName];
}

// Crockford's base32, as in ULIDs.
const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_BYTES_PER_ID = 10; // 80 bits: 16 characters
const pool = Buffer.alloc(RANDOM_BYTES_PER_ID * 512);
let poolOffset = pool.length;
let lastMs = -1;
let lastTime = '';

/** 5 bytes (40 bits) of `bytes` from `at`, as 8 base32 characters. */
function base32Of40Bits(bytes: Buffer, at: number): string {
  // Two halves of 20 bits each: exact in 32-bit integer arithmetic.
  const high = (bytes[at]! << 12) | (bytes[at + 1]! << 4) | (bytes[at + 2]! >> 4);
  const low = ((bytes[at + 2]! & 0x0f) << 16) | (bytes[at + 3]! << 8) | bytes[at + 4]!;
  return (
    BASE32[(high >> 15) & 31]! + BASE32[(high >> 10) & 31]! + BASE32[(high >> 5) & 31]! + BASE32[high & 31]! +
    BASE32[(low >> 15) & 31]! + BASE32[(low >> 10) & 31]! + BASE32[(low >> 5) & 31]! + BASE32[low & 31]!
  );
}

/**
 * The smallest ID of this prefix made at `date` or later: every ID made before it sorts before
 * it, so a primary-key range finds the rows made before a time.
 */
export function firstIdAt(prefix: IdPrefix, date: Date): string {
  let time = '';
  for (let i = 0, n = date.getTime(); i < 10; i++, n = Math.floor(n / 32)) time = BASE32[n % 32]! + time;
  return `${prefix}_${time}${'0'.repeat(16)}`;
}

/** The 48-bit millisecond time as a ULID's first 10 characters, computed once per millisecond. */
function timePart(ms: number): string {
  if (ms !== lastMs) {
    let time = '';
    for (let i = 0, n = ms; i < 10; i++, n = Math.floor(n / 32)) time = BASE32[n % 32]! + time;
    lastMs = ms;
    lastTime = time;
  }
  return lastTime;
}

/**
 * A request id, `req_` then a ULID: the time (sortable to the millisecond) and 80 random bits.
 * The random bits come from a pool filled by one system call per 512 ids, instead of one call per
 * character (the ulid package's way, which showed in profiles of every request).
 */
export function newRequestId(now = Date.now()): string {
  return `req_${timePart(now)}${randomPart()}`;
}

/** 80 random bits as 16 base32 characters, from the pool (refilled by one system call when used up). */
function randomPart(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += RANDOM_BYTES_PER_ID;
  return base32Of40Bits(pool, at) + base32Of40Bits(pool, at + 5);
}

let lastIdMs = -1;
let lastIdRandom = '';

/** The base32 string plus one (ULID's monotonic increment); undefined when it is all Z. */
function incrementBase32(value: string): string | undefined {
  for (let i = value.length - 1; i >= 0; i--) {
    const digit = BASE32.indexOf(value[i]!);
    if (digit < 31) return value.slice(0, i) + BASE32[digit + 1]! + '0'.repeat(value.length - 1 - i);
  }
  return undefined;
}

/** Sets the last ULID made (its millisecond and random part): for tests of the overflow only. */
export function setLastUlidForTests(ms: number, random: string): void {
  lastIdMs = ms;
  lastIdRandom = random;
}

/**
 * A monotonic ULID, as the ulid package's monotonicFactory makes them (IDs made in the same
 * millisecond, or while the clock stepped back, take the previous random part plus one, so they
 * sort in the order made: a user's turn before its reply), with the random bits of a new
 * millisecond taken from the pool newRequestId uses rather than one system call per character.
 * Exported for tests.
 */
export function nextMonotonicUlid(nowMs: number): string {
  if (nowMs <= lastIdMs) {
    const next = incrementBase32(lastIdRandom);
    if (next !== undefined) {
      lastIdRandom = next;
      return timePart(lastIdMs) + next;
    }
  }
  // After an overflow of the random part (all Z), the time part moves on a millisecond, so the
  // fresh random part still sorts after every ID made before it.
  lastIdMs = nowMs > lastIdMs ? nowMs : lastIdMs + 1;
  lastIdRandom = randomPart();
  return timePart(lastIdMs) + lastIdRandom;
}
