import type { Account, ApiKey } from '../db/generated/prisma/client.js';
import type { Logger } from '../logger.js';

export type CachedKey = ApiKey & { account: Account };

type Entry = { key: CachedKey; storedAt: number };

/** How instances tell each other that cached keys are stale. */
export interface InvalidationBus {
  /** Whether invalidations from other instances are being heard right now. */
  listening(): boolean;
  publish(message: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * API keys recently looked up, so that most requests skip the database for authentication.
 * Correctness first: revoking or rotating a key, or changing an account, drops its entries at
 * once on this instance and, through the buses (PostgreSQL LISTEN/NOTIFY, and Redis pub/sub when
 * configured), on every other one. While a bus is not heard, nothing is served from the cache.
 */
export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every invalidation: a lookup that started before one must not be cached. */
  private generation = 0;
  private buses: InvalidationBus[] = [];

  constructor(
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  static disabled(): KeyCache {
    return new KeyCache(0, 0);
  }

  /** For a single process (the embedded database): nobody else to tell. */
  static local(): KeyCache {
    return new KeyCache();
  }

  /**
   * The cache for a deployment. On PostgreSQL every instance publishes and listens there, whether
   * or not it also has Redis, so instances configured with and without REDIS_URL side by side
   * still hear each other's invalidations; Redis, when configured, carries them as well.
   */
  static async forDeployment(
    deployment: { databaseUrl?: string | undefined; redisUrl?: string | undefined },
    logger: Logger,
  ): Promise<KeyCache> {
    if (!deployment.databaseUrl && !deployment.redisUrl) return KeyCache.local();
    // The buses' clients (ioredis, pg) load only when one is used: not at all on the embedded database.
    const { postgresBus, redisBus } = await import('./invalidation-buses.js');
    const cache = new KeyCache();
    if (deployment.databaseUrl) cache.buses.push(postgresBus(deployment.databaseUrl, logger, cache));
    if (deployment.redisUrl) cache.buses.push(redisBus(deployment.redisUrl, logger, cache));
    return cache;
  }

  static withRedis(url: string, logger: Logger): Promise<KeyCache> {
    return KeyCache.forDeployment({ redisUrl: url }, logger);
  }

  static withPostgres(databaseUrl: string, logger: Logger): Promise<KeyCache> {
    return KeyCache.forDeployment({ databaseUrl }, logger);
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  private usable(): boolean {
    return this.enabled && this.buses.every((bus) => bus.listening());
  }

  get(hash: string, now = Date.now()): CachedKey | undefined {
    if (!this.usable()) return undefined;
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (now - entry.storedAt > this.ttlMs) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.key;
  }

  /** Take before reading the database; pass to `set`. */
  snapshot(): number {
    return this.generation;
  }

  set(hash: string, key: CachedKey, snapshot: number, now = Date.now()): void {
    if (!this.usable() || snapshot !== this.generation) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, { key, storedAt: now });
  }

  /** After a revocation or rotation of this key. */
  invalidateKey(keyId: string): Promise<void> {
    return this.invalidate(`key:${keyId}`);
  }

  /** After the account's tier, limits or keys changed. */
  invalidateAccount(accountId: string): Promise<void> {
    return this.invalidate(`account:${accountId}`);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.buses.map((bus) => bus.close()));
  }

  /** Applies an invalidation made here or heard from another instance: `key:<id>`, `account:<id>`. */
  apply(message: string): void {
    const [kind, id] = message.split(':', 2) as [string, string];
    if (kind === 'key') this.dropWhere((k) => k.id === id);
    else if (kind === 'account') this.dropWhere((k) => k.accountId === id);
    else this.clear();
  }

  private async invalidate(message: string): Promise<void> {
    this.apply(message);
    await Promise.all(this.buses.map((bus) => bus.publish(message)));
  }

  private dropWhere(match: (key: CachedKey) => boolean): void {
    this.generation++;
    for (const [hash, entry] of this.entries) if (match(entry.key)) this.entries.delete(hash);
  }
}
