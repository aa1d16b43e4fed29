import { Redis } from 'ioredis';
import type { Account, ApiKey } from '../db/generated/prisma/client.js';
import type { Logger } from '../logger.js';

export type CachedKey = ApiKey & { account: Account };

type Entry = { key: CachedKey; storedAt: number };

const CHANNEL = 'orion:auth-invalidations';

/**
 * API keys recently looked up, so that most requests skip the database for authentication.
 * Correctness first: revoking or rotating a key, or changing an account, drops its entries at
 * once on this instance and, through Redis pub/sub, on every other one. Without Redis, a cache
 * is only safe when this process is the only one (embedded database): `disabled()` otherwise.
 */
export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every invalidation: a lookup that started before one must not be cached. */
  private generation = 0;

  private constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly publisher?: Redis,
    private readonly subscriber?: Redis,
  ) {}

  static disabled(): KeyCache {
    return new KeyCache(0, 0);
  }

  static local(ttlMs = 60_000, maxEntries = 10_000): KeyCache {
    return new KeyCache(ttlMs, maxEntries);
  }

  /** Shared invalidation through Redis. While Redis is unreachable entries live briefly only. */
  static withRedis(url: string, logger: Logger, ttlMs = 60_000, maxEntries = 10_000): KeyCache {
    const options = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 500, lazyConnect: false };
    const publisher = new Redis(url, options);
    const subscriber = new Redis(url, { ...options, enableOfflineQueue: true });
    publisher.on('error', () => {});
    subscriber.on('error', () => {});
    const cache = new KeyCache(ttlMs, maxEntries, publisher, subscriber);
    void subscriber.subscribe(CHANNEL).catch((error: unknown) => logger.warn({ err: error }, 'key cache: cannot subscribe'));
    subscriber.on('message', (_channel: string, message: string) => cache.applyRemote(message));
    // Anything may have been revoked while we were not listening.
    subscriber.on('ready', () => cache.clear());
    return cache;
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  private usable(): boolean {
    return this.enabled && (!this.subscriber || this.subscriber.status === 'ready');
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
    this.dropWhere((k) => k.id === keyId);
    return this.publish(`key:${keyId}`);
  }

  /** After the account's tier, limits or keys changed. */
  invalidateAccount(accountId: string): Promise<void> {
    this.dropWhere((k) => k.accountId === accountId);
    return this.publish(`account:${accountId}`);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    await this.publisher?.quit().catch(() => this.publisher?.disconnect());
  }

  private dropWhere(match: (key: CachedKey) => boolean): void {
    this.generation++;
    for (const [hash, entry] of this.entries) if (match(entry.key)) this.entries.delete(hash);
  }

  private async publish(message: string): Promise<void> {
    if (!this.publisher) return;
    try {
      await this.publisher.publish(CHANNEL, message);
    } catch {
      // Other instances' subscribers reconnect and clear everything.
    }
  }

  private applyRemote(message: string): void {
    const [kind, id] = message.split(':', 2) as [string, string];
    if (kind === 'key') this.dropWhere((k) => k.id === id);
    else if (kind === 'account') this.dropWhere((k) => k.accountId === id);
  }
}
