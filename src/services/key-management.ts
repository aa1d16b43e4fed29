import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import type { ApiKey } from '../db/generated/prisma/client.js';
import { ApiError, notFound } from '../errors.js';
import { typeOfId } from '../ids.js';
import { createApiKey } from './api-keys.js';
import { withCommitMark, type CommitMark } from './idempotency.js';
import { accountCounter, idOrderedSource, paginate, type Page, type PageArgs } from './pagination.js';
import { SCOPES, type Scope } from './scopes.js';
import { parseInput } from './validation.js';

export const ROTATION_GRACE = { defaultSeconds: 24 * 3600, maxSeconds: 7 * 24 * 3600 } as const;

/** The key making the request, as key management needs it. */
export type Caller = { accountId: string; keyId: string; scopes: string[] };

const createKeySchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    scopes: z.array(z.enum(SCOPES)).min(1, 'name at least one scope').max(SCOPES.length),
    environment: z
      .enum(['live', 'test'])
      .nullish()
      .transform((v) => v ?? 'live'),
    expiresAt: z
      .date()
      .nullish()
      .refine((d) => d == null || d.getTime() > Date.now(), 'must be in the future'),
  })
  .strict();

const rotateSchema = z
  .object({
    gracePeriodSeconds: z
      .number()
      .int()
      .min(0, 'must be 0 or more')
      .max(ROTATION_GRACE.maxSeconds, `must be at most ${ROTATION_GRACE.maxSeconds} (7 days)`)
      .nullish()
      .transform((v) => v ?? ROTATION_GRACE.defaultSeconds),
  })
  .strict();

/**
 * A key can never grant more than it has, nor rotate or revoke a key that has more: a narrower
 * key must not lock the owner's broader key out.
 */
function assertHolds(caller: Caller, scopes: Scope[], action: string): void {
  const beyond = scopes.filter((s) => !caller.scopes.includes(s));
  if (beyond.length) {
    throw new ApiError('FORBIDDEN', `This API key cannot ${action} scopes it does not have: ${beyond.join(', ')}`, {
      requiredScope: beyond[0],
      scopes: beyond,
    });
  }
}

export async function createKeyForCaller(
  prisma: PrismaClient,
  caller: Caller,
  rawInput: unknown,
  commit?: CommitMark,
): Promise<{ apiKey: ApiKey; secret: string }> {
  const input = parseInput(createKeySchema, rawInput);
  const scopes = [...new Set(input.scopes)];
  assertHolds(caller, scopes, 'grant');
  const values = {
    accountId: caller.accountId,
    name: input.name,
    scopes,
    environment: input.environment,
    expiresAt: input.expiresAt ?? null,
  };
  if (!commit) return createApiKey(prisma, values);
  return prisma.$transaction(async (tx) => {
    const created = await createApiKey(tx as unknown as PrismaClient, values);
    await commit(tx, { type: 'ApiKey', id: created.apiKey.id });
    return created;
  });
}

export function listKeys(prisma: PrismaClient, accountId: string, args: PageArgs): Promise<Page<ApiKey>> {
  const total = () => accountCounter(prisma, accountId, 'apiKeyCount');
  return paginate(args, idOrderedSource<ApiKey>(prisma.apiKey, { accountId }, (id) => typeOfId(id) === 'ApiKey', total, {
      prisma,
      table: 'ApiKey',
      ownerColumn: 'accountId',
      ownerId: accountId,
    }));
}

async function ownKey(prisma: PrismaClient, accountId: string, id: string): Promise<ApiKey> {
  const key = typeOfId(id) === 'ApiKey' ? await prisma.apiKey.findFirst({ where: { id, accountId } }) : null;
  if (!key) throw notFound('API key', id);
  return key;
}

/** Revokes at once (every later request with it is 401). Revoking twice keeps the first time. */
export async function revokeKey(prisma: PrismaClient, caller: Caller, id: string, commit?: CommitMark): Promise<ApiKey> {
  const key = await ownKey(prisma, caller.accountId, id);
  assertHolds(caller, key.scopes as Scope[], 'revoke a key with');
  if (key.revokedAt) return key;
  await withCommitMark(prisma, commit, { type: 'ApiKey', id: key.id }, (db) =>
    db.apiKey.updateMany({ where: { id: key.id, revokedAt: null }, data: { revokedAt: new Date() } }),
  );
  return ownKey(prisma, caller.accountId, id);
}

function alreadyRotated(replacementId: string | undefined): ApiError {
  const instead = replacementId ? `rotate its replacement ${replacementId} instead` : 'rotate its replacement instead';
  return new ApiError('INVALID_REQUEST', `This key was already rotated: ${instead}`, {
    fields: [{ field: 'keyId', message: `was already rotated; ${instead}` }],
  });
}

/**
 * Issues a new secret for a key: a new key with the same name, scopes, environment and expiry.
 * The old secret keeps working for the grace period, then expires.
 */
export async function rotateKey(
  prisma: PrismaClient,
  caller: Caller,
  id: string,
  rawInput: unknown,
  commit?: CommitMark,
): Promise<{ apiKey: ApiKey; secret: string; previousKey: ApiKey }> {
  const { gracePeriodSeconds } = parseInput(rotateSchema, rawInput ?? {});
  const old = await ownKey(prisma, caller.accountId, id);
  const now = Date.now();
  if (old.revokedAt || (old.expiresAt && old.expiresAt.getTime() <= now)) {
    throw new ApiError('INVALID_REQUEST', 'A revoked or expired key cannot be rotated', {
      fields: [{ field: 'keyId', message: 'is revoked or expired' }],
    });
  }
  assertHolds(caller, old.scopes as Scope[], 'rotate a key with');
  // In its grace period a key's expiry is the grace's end, not its own: rotating it again would
  // hand that short life on to the new key. Its replacement is the one to rotate.
  const replacement = await prisma.apiKey.findFirst({ where: { rotatedFromId: old.id }, orderBy: { id: 'asc' } });
  if (replacement) throw alreadyRotated(replacement.id);
  const graceEnds = new Date(now + gracePeriodSeconds * 1000);
  return prisma.$transaction(async (tx) => {
    // A rotation that ran meanwhile changed the expiry read above: this one loses.
    const { count } = await tx.apiKey.updateMany({
      where: { id: old.id, expiresAt: old.expiresAt },
      data: { expiresAt: old.expiresAt && old.expiresAt < graceEnds ? old.expiresAt : graceEnds },
    });
    if (count === 0) throw alreadyRotated(undefined);
    const { apiKey, secret } = await createApiKey(tx as unknown as PrismaClient, {
      accountId: old.accountId,
      name: old.name,
      scopes: old.scopes as Scope[],
      environment: old.environment,
      expiresAt: old.expiresAt,
      rotatedFromId: old.id,
    });
    const previousKey = await tx.apiKey.findUniqueOrThrow({ where: { id: old.id } });
    await commit?.(tx, { type: 'ApiKey', id: apiKey.id });
    return { apiKey, secret, previousKey };
  });
}
