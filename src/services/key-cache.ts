import { Redis } from 'ioredis';
import pg from 'pg';
import type { Account, ApiKey } from '../db/generated/prisma/client.js';
import { postgresConfig } from '../db/client.js';
import type { Logger } from '../logger.js';

export type CachedKey = ApiKey & { account: Account };

type Entry = { key: CachedKey; storedAt: number };

const CHANNEL = 'orion_auth_invalidations';

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
 * once on this instance and, through the bus (Redis pub/sub, or PostgreSQL LISTEN/NOTIFY), on
 * every other one. While the bus is not heard, nothing is served from the cache.
 */
export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every invalidation: a lookup that started before one must not be cached. */
  private generation = 0;
  private bus: InvalidationBus | undefined;

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

  static withRedis(url: string, logger: Logger): KeyCache {
    const cache = new KeyCache();
    cache.bus = redisBus(url, logger, cache);
    return cache;
  }

  static withPostgres(databaseUrl: string, logger: Logger): KeyCache {
    const cache = new KeyCache();
    cache.bus = postgresBus(postgresConfig(databaseUrl).poolConfig, logger, cache);
    return cache;
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  private usable(): boolean {
    return this.enabled && (!this.bus || this.bus.listening());
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
    return this.bus?.publish(`key:${keyId}`) ?? Promise.resolve();
  }

  /** After the account's tier, limits or keys changed. */
  invalidateAccount(accountId: string): Promise<void> {
    this.dropWhere((k) => k.accountId === accountId);
    return this.bus?.publish(`account:${accountId}`) ?? Promise.resolve();
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  async close(): Promise<void> {
    await this.bus?.close();
  }

  /** Applies an invalidation heard from another instance. */
  applyRemote(message: string): void {
    const [kind, id] = message.split(':', 2) as [string, string];
    if (kind === 'key') this.dropWhere((k) => k.id === id);
    else if (kind === 'account') this.dropWhere((k) => k.accountId === id);
    else this.clear();
  }

  private dropWhere(match: (key: CachedKey) => boolean): void {
    this.generation++;
    for (const [hash, entry] of this.entries) if (match(entry.key)) this.entries.delete(hash);
  }
}

function redisBus(url: string, logger: Logger, cache: KeyCache): InvalidationBus {
  const options = { maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 500 };
  const publisher = new Redis(url, { ...options, enableOfflineQueue: false });
  const subscriber = new Redis(url, options);
  publisher.on('error', () => {});
  subscriber.on('error', () => {});
  void subscriber.subscribe(CHANNEL).catch((error: unknown) => logger.warn({ err: error }, 'key cache: cannot subscribe'));
  subscriber.on('message', (_channel: string, message: string) => cache.applyRemote(message));
  // Anything may have been revoked while we were not listening.
  subscriber.on('ready', () => cache.clear());
  return {
    listening: () => subscriber.status === 'ready',
    publish: async (message) => {
      await publisher.publish(CHANNEL, message).catch(() => {
        // Others' subscribers reconnect and clear everything.
      });
    },
    close: async () => {
      subscriber.disconnect();
      await publisher.quit().catch(() => publisher.disconnect());
    },
  };
}

/** LISTEN/NOTIFY on the shared PostgreSQL: no Redis needed for a correct shared cache. */
function postgresBus(config: pg.PoolConfig, logger: Logger, cache: KeyCache): InvalidationBus {
  let listener: pg.Client | undefined;
  let heard = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    const client = new pg.Client({ ...config, connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    client.on('end', () => {
      heard = false;
      if (!closed) retry = setTimeout(() => void connect(), 1_000);
    });
    client.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) cache.applyRemote(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      listener = client;
      cache.clear();
      heard = true;
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'key cache: cannot listen for invalidations');
      await client.end().catch(() => {});
    }
  };
  void connect();
  const publisher = new pg.Pool({ ...config, max: 1, connectionTimeoutMillis: 5_000 });
  publisher.on('error', () => {});
  return {
    listening: () => heard,
    publish: async (message) => {
      await publisher.query('SELECT pg_notify($1, $2)', [CHANNEL, message]).catch(() => {});
    },
    close: async () => {
      closed = true;
      clearTimeout(retry);
      await listener?.end().catch(() => {});
      await publisher.end().catch(() => {});
    },
  };
}
