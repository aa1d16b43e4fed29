import { Redis } from 'ioredis';
import pg from 'pg';
import { postgresConfig } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { InvalidationBus, KeyCache } from './key-cache.js';

// How instances sharing a database tell each other that cached API keys are stale.

const CHANNEL = 'orion_auth_invalidations';

export function redisBus(url: string, logger: Logger, cache: KeyCache): InvalidationBus {
  const options = { maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 500 };
  const publisher = new Redis(url, { ...options, enableOfflineQueue: false });
  const subscriber = new Redis(url, options);
  publisher.on('error', () => {});
  subscriber.on('error', () => {});
  void subscriber.subscribe(CHANNEL).catch((error: unknown) => logger.warn({ err: error }, 'key cache: cannot subscribe'));
  subscriber.on('message', (_channel: string, message: string) => cache.apply(message));
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
export function postgresBus(databaseUrl: string, logger: Logger, cache: KeyCache): InvalidationBus {
  const config = postgresConfig(databaseUrl).poolConfig;
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
      if (n.channel === CHANNEL && n.payload) cache.apply(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (closed) {
        // Closed while connecting (a start-up that failed at once): nothing else would end it.
        await client.end().catch(() => {});
        return;
      }
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
