import type { NextFunction, Request, Response } from 'express';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  requestFingerprint,
  validateIdempotencyKey,
} from '../services/idempotency.js';
import type { OrionRequest } from './request-context.js';

export type RawBodyRequest = Request & { rawBody?: Buffer };

/** Answers worth replaying: what the work produced, not our failures or the limiter's refusals. */
function isReplayable(status: number): boolean {
  return status < 500 && status !== 429 && status !== 409;
}

/**
 * `Idempotency-Key` on POST (REST and GraphQL): the first request runs and its answer is kept
 * (24 h, per account, in the database so every instance sees it); a retry gets the same status
 * and body with `Idempotent-Replayed: true`. Runs after authentication and rate limiting.
 */
export function idempotency(prisma: PrismaClient, logger: Logger, staleAfterMs: number) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const key = req.get('Idempotency-Key');
    const { auth, requestId } = (req as OrionRequest).orion;
    if (req.method !== 'POST' || key === undefined || auth.kind !== 'key') {
      next();
      return;
    }
    validateIdempotencyKey(key);
    const accountId = auth.account.id;
    const hash = requestFingerprint(req.method, req.originalUrl, (req as RawBodyRequest).rawBody);
    const claim = await claimIdempotencyKey(prisma, accountId, key, hash, staleAfterMs);
    if (claim.kind === 'replay') {
      const { record } = claim;
      res.status(record.responseStatus ?? 200).set('Idempotent-Replayed', 'true');
      if (record.contentType) res.set('Content-Type', record.contentType);
      res.end(record.responseBody ?? '');
      return;
    }
    res.set('Idempotent-Replayed', 'false');
    // Keep what is written, even after the client has gone: the work goes on and its answer
    // must be the one a retry gets.
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), (typeof encoding === 'string' ? encoding : 'utf8') as BufferEncoding));
    };
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      const status = res.statusCode;
      const work = isReplayable(status)
        ? completeIdempotencyKey(prisma, accountId, key, {
            status,
            contentType: res.getHeader('Content-Type')?.toString(),
            body: Buffer.concat(chunks).toString('utf8'),
          })
        : releaseIdempotencyKey(prisma, accountId, key);
      work.catch((error: unknown) => logger.error({ requestId, err: error }, 'could not record an idempotent answer'));
    };
    res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
      keep(chunk, encoding);
      return write(chunk, encoding, cb);
    }) as Response['write'];
    res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
      keep(chunk, encoding);
      settle();
      return end(chunk, encoding, cb);
    }) as Response['end'];
    next();
  };
}
