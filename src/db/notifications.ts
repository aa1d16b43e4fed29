import type pg from 'pg';
import type { Logger } from '../logger.js';

/** Stops listening. */
export type Unlisten = () => Promise<void>;

export type NotificationHandlers = {
  /** A NOTIFY on the channel (PostgreSQL sends it once the sender's transaction commits). */
  onNotify: (payload: string) => void;
  /** LISTEN took effect: at the start, and after each reconnection (what was sent meanwhile is lost). */
  onListening?: () => void;
  /** The connection is gone; notifications are missed until onListening again. */
  onLost?: () => void;
};

export type Listener = { unlisten: Unlisten; listening: () => boolean };

/**
 * Listens on `channel` of a PostgreSQL database with a connection of its own (outside any
 * pool), from every instance on the database. A lost connection is made again, backing off from
 * 250 ms up to 5 s.
 */
export function listenOnPostgres(
  Client: typeof pg.Client,
  config: pg.ClientConfig,
  channel: string,
  handlers: NotificationHandlers,
  logger?: Logger,
): Listener {
  let stopped = false;
  let listening = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  const lost = (from: pg.Client) => {
    if (client !== from || stopped) return;
    if (listening) handlers.onLost?.();
    listening = false;
    if (retry) return;
    const delayMs = Math.min(5_000, 250 * 2 ** Math.min(failures, 5));
    failures++;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delayMs);
    retry.unref();
  };

  const connect = async () => {
    const next = new Client(config);
    client = next;
    // Without a handler, a dropped connection's error would end the process.
    next.on('error', (error) => {
      logger?.warn({ err: error.message, channel }, 'lost the connection that listens for database notifications');
      void next.end().catch(() => {});
      lost(next);
    });
    next.on('end', () => lost(next));
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotify(message.payload ?? '');
    });
    try {
      await next.connect();
      await next.query(`LISTEN "${channel}"`);
      if (stopped) {
        await next.end();
        return;
      }
      failures = 0;
      listening = true;
      handlers.onListening?.();
    } catch (error) {
      logger?.warn({ err: (error as Error).message, channel }, 'cannot listen for database notifications yet; retrying');
      await next.end().catch(() => {});
      lost(next);
    }
  };

  void connect();
  return {
    listening: () => listening,
    unlisten: async () => {
      stopped = true;
      listening = false;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
