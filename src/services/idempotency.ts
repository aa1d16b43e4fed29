import { createHash } from 'node:crypto';
import type { PrismaClient } from '../db/client.js';
import type { Prisma } from '../db/generated/prisma/client.js';
import { isUniqueViolation } from '../db/prisma-errors.js';
import { ApiError } from '../errors.js';
import { openAnswer, sealAnswer } from './answer-seal.js';

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

/** The API key making a request: its id, and the secret it presented (never stored). */
export type IdempotentCaller = { apiKeyId: string; secret: string };

/** What a request's write made, recorded with the write itself. Never a secret. */
export type RecordedOutcome = { type: string; id: string };

/**
 * Given to a service by the request that claimed an Idempotency-Key: the service runs it inside
 * the transaction of its write, so "the write committed" and "the record says so" are one fact
 * and a retry after a crash never runs the write again.
 */
export type CommitMark = (db: Prisma.TransactionClient, outcome: RecordedOutcome) => Prisma.PrismaPromise<unknown>;

/**
 * Runs a write; with a commit mark, in one transaction with it, marked only when `wrote` says the
 * write changed something (a write that found nothing answers an error and runs again on retry).
 */
export async function withCommitMark<T>(
  prisma: PrismaClient,
  commit: CommitMark | undefined,
  outcome: RecordedOutcome,
  write: (db: Prisma.TransactionClient) => Promise<T>,
  wrote: (result: T) => boolean = () => true,
): Promise<T> {
  if (!commit) return write(prisma);
  return prisma.$transaction(async (tx) => {
    const result = await write(tx);
    if (wrote(result)) await commit(tx, outcome);
    return result;
  });
}

export type RecordedAnswer = { status: number; contentType: string | null; body: string };

/** This request's hold on a key: only it may complete or release it. */
export type OwnClaim = {
  caller: IdempotentCaller;
  key: string;
  requestHash: string;
  createdAt: Date;
  commit: CommitMark;
};

export type Claim = { kind: 'new'; claim: OwnClaim } | { kind: 'replay'; answer: RecordedAnswer };

/** Binds a sealed answer to its record: it cannot be moved to another key, key or request. */
function sealContext(claim: Pick<OwnClaim, 'caller' | 'key' | 'requestHash'>): string {
  return JSON.stringify([claim.caller.apiKeyId, claim.key, claim.requestHash]);
}

function conflict(message: string, details: Record<string, unknown>): ApiError {
  return new ApiError('IDEMPOTENCY_CONFLICT', message, details);
}

function ownClaim(caller: IdempotentCaller, key: string, requestHash: string, createdAt: Date): OwnClaim {
  const where = { apiKeyId: caller.apiKeyId, key, createdAt, state: 'in_progress' as const };
  return {
    caller,
    key,
    requestHash,
    createdAt,
    commit: (db, outcome) => db.idempotencyRecord.updateMany({ where, data: { state: 'committed', outcome } }),
  };
}

/**
 * Claims a key for a request (Stripe semantics), per API key: the first request with it runs; a
 * retry of the same request by the same API key after it finished replays its answer; the same
 * key with another request, or while the first is still running, is 409 IDEMPOTENCY_CONFLICT.
 * Another API key (even of the same account) using the same key is a new, independent request.
 * A run left unfinished for longer than `staleAfterMs` (its instance died) may be taken over,
 * unless its write had committed: then it never runs again.
 */
export async function claimIdempotencyKey(
  prisma: PrismaClient,
  caller: IdempotentCaller,
  key: string,
  requestHash: string,
  staleAfterMs: number,
): Promise<Claim> {
  const apiKeyId = caller.apiKeyId;
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = new Date();
    try {
      const created = await prisma.idempotencyRecord.create({
        data: { apiKeyId, key, requestHash, expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS) },
        select: { createdAt: true },
      });
      return { kind: 'new', claim: ownClaim(caller, key, requestHash, created.createdAt) };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const record = await prisma.idempotencyRecord.findUnique({ where: { apiKeyId_key: { apiKeyId, key } } });
    if (!record) continue;
    const stale = now.getTime() - record.createdAt.getTime() > staleAfterMs;
    if (record.expiresAt <= now || (record.state === 'in_progress' && stale)) {
      // Conditional, so that of two takers only one wins.
      await prisma.idempotencyRecord.deleteMany({
        where: { apiKeyId, key, createdAt: record.createdAt, state: record.expiresAt <= now ? undefined : 'in_progress' },
      });
      continue;
    }
    const details = { idempotencyKey: key };
    if (record.requestHash !== requestHash) {
      throw conflict('This Idempotency-Key was already used with a different request', details);
    }
    if (record.state === 'committed' && stale) {
      throw conflict(
        'The request with this Idempotency-Key was done, but the server stopped before its answer was recorded: it will not run again',
        { ...details, reason: 'answer_lost', outcome: record.outcome },
      );
    }
    if (record.state !== 'completed') {
      throw conflict('A request with this Idempotency-Key is still in progress', details);
    }
    const body = record.responseBody === null ? '' : openAnswer(caller.secret, sealContext({ caller, key, requestHash }), record.responseBody);
    if (body === undefined) throw new Error('A recorded idempotent answer could not be opened');
    return { kind: 'replay', answer: { status: record.responseStatus ?? 200, contentType: record.contentType, body } };
  }
  throw conflict('This Idempotency-Key is being claimed concurrently', { idempotencyKey: key });
}

/** Records the answer (sealed), whether or not the write had committed. */
export async function completeIdempotencyKey(prisma: PrismaClient, claim: OwnClaim, answer: RecordedAnswer): Promise<void> {
  await prisma.idempotencyRecord.updateMany({
    where: { apiKeyId: claim.caller.apiKeyId, key: claim.key, createdAt: claim.createdAt, state: { in: ['in_progress', 'committed'] } },
    data: {
      state: 'completed',
      responseStatus: answer.status,
      contentType: answer.contentType,
      responseBody: sealAnswer(claim.caller.secret, sealContext(claim), answer.body),
    },
  });
}

/**
 * Forgets a claim whose request failed on our side, so that a retry can run again. Returns false
 * when its write had committed: then the claim stays, and the failure must be recorded instead.
 */
export async function releaseIdempotencyKey(prisma: PrismaClient, claim: OwnClaim): Promise<boolean> {
  const { count } = await prisma.idempotencyRecord.deleteMany({
    where: { apiKeyId: claim.caller.apiKeyId, key: claim.key, createdAt: claim.createdAt, state: 'in_progress' },
  });
  if (count > 0) return true;
  const left = await prisma.idempotencyRecord.count({
    where: { apiKeyId: claim.caller.apiKeyId, key: claim.key, createdAt: claim.createdAt, state: 'committed' },
  });
  return left === 0;
}

export async function deleteExpiredIdempotencyRecords(prisma: PrismaClient): Promise<number> {
  const { count } = await prisma.idempotencyRecord.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return count;
}
