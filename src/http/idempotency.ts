import type { NextFunction, Request, Response } from 'express';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  requestFingerprint,
  validateIdempotencyKey,
  type OwnClaim,
  type RecordedAnswer,
} from '../services/idempotency.js';
import type { OrionRequest } from './request-context.js';

export type RawBodyRequest = Request & { rawBody?: Buffer };

/** Answers worth replaying: what the work produced, not our failures or the limiter's refusals. */
function isReplayable(status: number): boolean {
  return status < 500 && status !== 429 && status !== 409;
}

/** The secret the caller presented; authentication has already matched it to a key. */
function presentedSecret(req: Request): string {
  const secret = /^Bearer +(\S+) *$/i.exec(req.get('Authorization') ?? '')?.[1];
  if (!secret) throw new Error('An authenticated request without a bearer secret');
  return secret;
}

function toBuffer(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return undefined;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return Buffer.from(String(chunk), (typeof encoding === 'string' ? encoding : 'utf8') as BufferEncoding);
}

/**
 * Records the answer (or forgets the claim, for our own failures) before the answer's end goes
 * out: a retry sent the moment the client has its answer replays it, never meets "in progress".
 * A failure whose write had committed is recorded too: the work must never run twice.
 */
async function settle(prisma: PrismaClient, claim: OwnClaim, answer: RecordedAnswer): Promise<void> {
  if (isReplayable(answer.status) || !(await releaseIdempotencyKey(prisma, claim))) {
    await completeIdempotencyKey(prisma, claim, answer);
  }
}

/**
 * `Idempotency-Key` on POST (REST and GraphQL): the first request runs and its answer is kept
 * (24 h, per API key, sealed, in the database so every instance sees it); a retry by the same
 * API key gets the same status and body with `Idempotent-Replayed: true`. Any other key is a new
 * request. Runs after authentication and rate limiting.
 */
export function idempotency(prisma: PrismaClient, logger: Logger, staleAfterMs: number) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const key = req.get('Idempotency-Key');
    const orion = (req as OrionRequest).orion;
    const { auth, requestId } = orion;
    if (req.method !== 'POST' || key === undefined || auth.kind !== 'key') {
      next();
      return;
    }
    validateIdempotencyKey(key);
    const caller = { apiKeyId: auth.key.id, secret: presentedSecret(req) };
    const hash = requestFingerprint(req.method, req.originalUrl, (req as RawBodyRequest).rawBody);
    const claimed = await claimIdempotencyKey(prisma, caller, key, hash, staleAfterMs);
    if (claimed.kind === 'replay') {
      const { answer } = claimed;
      res.status(answer.status).set('Idempotent-Replayed', 'true');
      if (answer.contentType) res.set('Content-Type', answer.contentType);
      res.end(answer.body);
      return;
    }
    const { claim } = claimed;
    orion.idempotency = { commit: claim.commit };
    res.set('Idempotent-Replayed', 'false');
    // Keep what is written, even after the client has gone: the work goes on and its answer
    // must be the one a retry gets. A stream's events go out as they come (a retry meanwhile is
    // 409 "in progress"); only its end waits for the record. Any other answer is held back whole
    // until it is recorded: written before its end (GraphQL answers are, with a Content-Length),
    // a client would have all of it, and retry, before the record said so.
    const chunks: Buffer[] = [];
    const held: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    const streamed = () => /^\s*(text\/event-stream|multipart\/)/i.test(String(res.getHeader('Content-Type') ?? ''));
    const release = () => {
      for (const chunk of held.splice(0)) write(chunk);
    };
    let ending = false;
    res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
      const kept = toBuffer(chunk, encoding);
      if (kept) chunks.push(kept);
      if (ending || streamed()) {
        release();
        return write(chunk, encoding, cb);
      }
      if (kept) held.push(kept);
      const callback = typeof encoding === 'function' ? encoding : cb;
      if (typeof callback === 'function') process.nextTick(callback as () => void);
      return true;
    }) as Response['write'];
    res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
      if (ending) return end(chunk, encoding, cb);
      ending = true;
      const kept = toBuffer(chunk, encoding);
      if (kept) chunks.push(kept);
      const answer = {
        status: res.statusCode,
        contentType: res.getHeader('Content-Type')?.toString() ?? null,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      settle(prisma, claim, answer)
        .catch((error: unknown) => logger.error({ requestId, err: error }, 'could not record an idempotent answer'))
        .finally(() => {
          release();
          end(chunk, encoding, cb);
        });
      return res;
    }) as Response['end'];
    next();
  };
}
