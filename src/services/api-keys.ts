import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../db/client.js';
import { unauthorized, type ApiError } from '../errors.js';
import type { Account, ApiKey } from '../db/generated/prisma/client.js';
import { newId } from '../ids.js';
import { KeyCache } from './key-cache.js';
import type { Scope } from './scopes.js';

const NO_CACHE = KeyCache.disabled();

export type KeyEnvironment = 'live' | 'test';

/** Who is calling: nobody, somebody with a bad key (and why), or a valid key of an account. */
export type AuthState =
  | { kind: 'anonymous' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'key'; key: Pick<ApiKey, 'id' | 'scopes' | 'environment'>; account: Account };

/** The 401 for a caller without a valid key: why its key was refused, or how to send one. */
export function keyRequired(auth: Exclude<AuthState, { kind: 'key' }>): ApiError {
  return unauthorized(auth.kind === 'invalid' ? auth.reason : 'Missing API key: send "Authorization: Bearer <API key>"');
}

const SECRET_BYTES = 32;
const DISPLAY_PREFIX_CHARS = 8;
const LAST_USED_GRANULARITY_MS = 5 * 60 * 1000;
const MAX_PRESENTED_KEY_LENGTH = 256;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new secret such as `orn_live_<43 url-safe characters>` (32 random bytes). */
export function generateSecret(environment: KeyEnvironment): {
  secret: string;
  prefix: string;
  hash: string;
} {
  const random = randomBytes(SECRET_BYTES).toString('base64url');
  const secret = `orn_${environment}_${random}`;
  return { secret, prefix: displayPrefix(secret), hash: hashSecret(secret) };
}

/** The part of a secret that may be shown again: `orn_live_AbCdEfGh`. */
export function displayPrefix(secret: string): string {
  const match = /^(orn_(?:live|test)_)(.*)$/.exec(secret);
  return match ? match[1]! + match[2]!.slice(0, DISPLAY_PREFIX_CHARS) : secret.slice(0, 8);
}

export async function createApiKey(
  prisma: PrismaClient,
  input: {
    accountId: string;
    name: string;
    scopes: Scope[];
    environment?: KeyEnvironment;
    expiresAt?: Date | null;
    rotatedFromId?: string;
  },
): Promise<{ apiKey: ApiKey; secret: string }> {
  const environment = input.environment ?? 'live';
  const { secret, prefix, hash } = generateSecret(environment);
  const apiKey = await prisma.apiKey.create({
    data: {
      id: newId('key'),
      accountId: input.accountId,
      name: input.name,
      prefix,
      hash,
      scopes: input.scopes,
      environment,
      expiresAt: input.expiresAt ?? null,
      rotatedFromId: input.rotatedFromId ?? null,
    },
  });
  return { apiKey, secret };
}

/** Reads `Authorization: Bearer <key>` and finds the key it names. Never throws for bad input. */
export async function authenticate(
  prisma: PrismaClient,
  authorization: string | undefined,
  now = new Date(),
  cache: KeyCache = NO_CACHE,
): Promise<AuthState> {
  if (authorization === undefined || authorization === '') return { kind: 'anonymous' };
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!match) {
    return { kind: 'invalid', reason: 'The Authorization header must be "Bearer <API key>"' };
  }
  const presented = match[1]!;
  if (presented.length > MAX_PRESENTED_KEY_LENGTH) {
    return { kind: 'invalid', reason: 'Invalid API key' };
  }
  const hash = hashSecret(presented);
  let key = cache.get(hash, now.getTime());
  if (!key) {
    const snapshot = cache.snapshot();
    key = (await prisma.apiKey.findUnique({ where: { hash }, include: { account: true } })) ?? undefined;
    if (key) cache.set(hash, key, snapshot, now.getTime());
  }
  if (!key || !timingSafeEqual(Buffer.from(key.hash, 'hex'), Buffer.from(hash, 'hex'))) {
    return { kind: 'invalid', reason: 'Invalid API key' };
  }
  if (key.revokedAt && key.revokedAt <= now) {
    return { kind: 'invalid', reason: 'This API key has been revoked' };
  }
  if (key.expiresAt && key.expiresAt <= now) {
    return { kind: 'invalid', reason: 'This API key has expired' };
  }
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    key.lastUsedAt = now;
    // Coarse on purpose: at most one write per key every few minutes, off the request's path.
    void prisma.apiKey
      .updateMany({
        where: {
          id: key.id,
          OR: [
            { lastUsedAt: null },
            { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_GRANULARITY_MS) } },
          ],
        },
        data: { lastUsedAt: now },
      })
      .catch(() => {});
  }
  const { account, ...rest } = key;
  return {
    kind: 'key',
    key: { id: rest.id, scopes: rest.scopes, environment: rest.environment },
    account,
  };
}
