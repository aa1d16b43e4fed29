import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { PublicError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AuthState } from './api-keys.js';
import { effectiveLimits } from './tiers.js';

const WINDOW_SECONDS = 60;

export type RateDecision = {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  resetAt: number;
  /** Seconds to wait before retrying (when refused). */
  retryAfter: number;
};

/**
 * The counter a caller's requests go to, and its limit, whichever protocol (HTTP or WebSocket):
 * its account's with a valid key, its client address's without.
 */
export function rateLimitCounter(auth: AuthState, address: string, anonymousPerMinute: number): { key: string; limit: number } {
  return auth.kind === 'key'
    ? { key: `acc:${auth.account.id}`, limit: effectiveLimits(auth.account).rateLimitPerMinute }
    : { key: `ip:${address}`, limit: anonymousPerMinute };
}

/** The refusal of a request over its limit (429, with how long to wait). */
export function rateLimitExceeded(decision: RateDecision): PublicError {
  return {
    code: 'RATE_LIMIT_EXCEEDED',
    message: `Rate limit exceeded. Try again in ${decision.retryAfter} seconds.`,
    details: { retryAfter: decision.retryAfter, limit: decision.limit },
  };
}

/**
 * Fixed-window request limits per minute, keyed by account (or client address). In memory by
 * default; with Redis, shared by every instance and atomic there, with an in-memory insurance
 * limiter that takes over while Redis is unreachable so an outage never takes the API down.
 */
export class RateLimits {
  private limiter: RateLimiterAbstract | undefined;

  private constructor(
    private readonly redis: Redis | undefined,
    private readonly keyPrefix: string,
  ) {}

  static inMemory(): RateLimits {
    return new RateLimits(undefined, 'orion');
  }

  /** ioredis loads only here: not at all when limits stay in memory. */
  static async withRedis(url: string, logger: Logger, keyPrefix = 'orion'): Promise<RateLimits> {
    const { default: Redis } = await import('ioredis');
    const redis = new Redis(url, {
      // Fail fast while disconnected (the insurance limiter answers) instead of queueing.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      // A Redis that stops answering on an open connection must not hang requests either.
      commandTimeout: 500,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    let healthy = true;
    redis.on('error', (error: Error) => {
      if (healthy) logger.warn({ err: error.message }, 'redis unreachable: rate limits fall back to this instance');
      healthy = false;
    });
    redis.on('ready', () => {
      if (!healthy) logger.info('redis reachable again: rate limits are shared again');
      healthy = true;
    });
    return new RateLimits(redis, keyPrefix);
  }

  get store(): 'memory' | 'redis' {
    return this.redis ? 'redis' : 'memory';
  }

  /** Whether Redis (when configured) answers: for readiness checks. */
  async redisReachable(): Promise<boolean | undefined> {
    if (!this.redis) return undefined;
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /**
   * One counter per key whatever its limit, compared with the limit here: a limit lowered (or
   * raised) mid-window applies to what was already counted instead of starting a fresh count.
   */
  private counter(): RateLimiterAbstract {
    if (!this.limiter) {
      const options = { points: Number.MAX_SAFE_INTEGER, duration: WINDOW_SECONDS, keyPrefix: `${this.keyPrefix}:rl` };
      this.limiter = this.redis
        ? new RateLimiterRedis({
            ...options,
            storeClient: this.redis,
            rejectIfRedisNotReady: true,
            insuranceLimiter: new RateLimiterMemory(options),
          })
        : new RateLimiterMemory(options);
    }
    return this.limiter;
  }

  /** Counts one request against `key`'s limit of `limit` per minute. */
  async consume(key: string, limit: number): Promise<RateDecision> {
    const res = await this.counter().consume(key);
    return {
      allowed: res.consumedPoints <= limit,
      limit,
      remaining: Math.max(0, limit - res.consumedPoints),
      resetAt: Math.ceil((Date.now() + res.msBeforeNext) / 1000),
      retryAfter: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    };
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
