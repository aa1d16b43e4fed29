import { createHash } from 'node:crypto';
import type { PrismaClient } from '../db/client.js';
import type { IdempotencyRecord } from '../db/generated/prisma/client.js';
import { ApiError } from '../errors.js';

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function validateIdempotencyKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new ApiError('INVALID_REQUEST', 'Idempotency-Key must be 1–255 visible ASCII characters', {
      fields: [{ field: 'Idempotency-Key', message: 'must be 1–255 visible ASCII characters' }],
    });
  }
}

export function requestFingerprint(method: string, path: string, body: Buffer | undefined): string {
  return createHash('sha256')
    .update(`${method} ${path}\n`)
    .update(body ?? Buffer.alloc(0))
    .digest('hex');
}

export type Claim =
  | { kind: 'new' }
  | { kind: 'replay'; record: IdempotencyRecord };

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === 'P2002';
}

/**
 * Claims a key for a request (Stripe semantics): the first request with it runs; a retry of the
 * same request after it finished replays its answer; the same key with another request, or
 * while the first is still running, is 409 IDEMPOTENCY_CONFLICT. A run left unfinished for longer
 * than `staleAfterMs` (its instance died) may be taken over.
 */
export async function claimIdempotencyKey(
  prisma: PrismaClient,
  accountId: string,
  key: string,
  requestHash: string,
  staleAfterMs: number,
): Promise<Claim> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = new Date();
    try {
      await prisma.idempotencyRecord.create({
        data: { accountId, key, requestHash, expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS) },
      });
      return { kind: 'new' };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const record = await prisma.idempotencyRecord.findUnique({ where: { accountId_key: { accountId, key } } });
    if (!record) continue;
    const abandoned = record.state === 'in_progress' && now.getTime() - record.createdAt.getTime() > staleAfterMs;
    if (record.expiresAt <= now || abandoned) {
      // Conditional, so that of two takers only one wins.
      await prisma.idempotencyRecord.deleteMany({
        where: { accountId, key, createdAt: record.createdAt },
      });
      continue;
    }
    if (record.requestHash !== requestHash) {
      throw new ApiError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used with a different request', {
        idempotencyKey: key,
      });
    }
    if (record.state === 'in_progress') {
      throw new ApiError('IDEMPOTENCY_CONFLICT', 'A request with this Idempotency-Key is still in progress', {
        idempotencyKey: key,
      });
    }
    return { kind: 'replay', record };
  }
  throw new ApiError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key is being claimed concurrently', { idempotencyKey: key });
}

export async function completeIdempotencyKey(
  prisma: PrismaClient,
  accountId: string,
  key: string,
  response: { status: number; contentType: string | undefined; body: string },
): Promise<void> {
  await prisma.idempotencyRecord.updateMany({
    where: { accountId, key, state: 'in_progress' },
    data: { state: 'completed', responseStatus: response.status, contentType: response.contentType ?? null, responseBody: response.body },
  });
}

/** Forgets a claim whose request failed on our side, so that a retry can run again. */
export async function releaseIdempotencyKey(prisma: PrismaClient, accountId: string, key: string): Promise<void> {
  await prisma.idempotencyRecord.deleteMany({ where: { accountId, key, state: 'in_progress' } });
}

export async function deleteExpiredIdempotencyRecords(prisma: PrismaClient): Promise<number> {
  const { count } = await prisma.idempotencyRecord.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return count;
}
