import { Redis } from 'ioredis';
import pg from 'pg';
import { postgresConfig } from '../db/client.js';
import { listenOnPostgres } from '../db/notifications.js';
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
  const listener = listenOnPostgres(
    pg.Client,
    config,
    CHANNEL,
    {
      onNotify: (payload) => {
        if (payload) cache.apply(payload);
      },
      // Anything may have been revoked while we were not listening.
      onListening: () => cache.clear(),
    },
    logger,
  );
  const publisher = new pg.Pool({ ...config, max: 1, connectionTimeoutMillis: 5_000 });
  publisher.on('error', () => {});
  return {
    listening: listener.listening,
    publish: async (message) => {
      await publisher.query('SELECT pg_notify($1, $2)', [CHANNEL, message]).catch(() => {});
    },
    close: async () => {
      await listener.unlisten();
      await publisher.end().catch(() => {});
    },
  };
}
