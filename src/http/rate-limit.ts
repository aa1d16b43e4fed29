import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { sendProtocolError } from './protocol-error.js';
import type { OrionRequest } from './request-context.js';
import { rateLimitCounter, rateLimitExceeded, type RateLimits } from '../services/rate-limits.js';

/**
 * Counts each HTTP request once, whichever protocol: per account for a valid key, per client
 * address otherwise (so keys cannot be guessed at speed). Sets the X-RateLimit-* headers on
 * every response it lets through; refuses with 429 RATE_LIMIT_EXCEEDED and Retry-After.
 */
export function rateLimiting(limits: RateLimits, anonymousPerMinute: number, logger: Logger, metrics?: Metrics) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const { auth, requestId } = (req as OrionRequest).orion;
    const { key, limit } = rateLimitCounter(auth, req.ip ?? 'unknown', anonymousPerMinute);
    let decision;
    try {
      decision = await limits.consume(key, limit);
    } catch (error) {
      // Both stores failing is a bug of ours, not the client's: serve rather than refuse.
      logger.error({ requestId, err: error }, 'rate limiter failed');
      next();
      return;
    }
    res.set({
      'X-RateLimit-Limit': String(decision.limit),
      'X-RateLimit-Remaining': String(decision.remaining),
      'X-RateLimit-Reset': String(decision.resetAt),
    });
    if (decision.allowed) {
      next();
      return;
    }
    metrics?.rateLimitRejections.inc({ scope: auth.kind === 'key' ? 'account' : 'address' });
    sendProtocolError(req, res, rateLimitExceeded(decision), { 'Retry-After': String(decision.retryAfter) });
  };
}
