import type { Server } from 'node:http';
import express from 'express';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { dataSourceOf } from './db/data-source.js';
import { prepareDatabase } from './db/migrate.js';
import type { Logger } from './logger.js';
import { bootstrapOperator } from './services/bootstrap.js';
import { indexMissingCharacterKnowledge } from './services/knowledge/documents.js';
import { RateLimits } from './services/rate-limits.js';
import { deleteExpiredIdempotencyRecords } from './services/idempotency.js';
import { recoverInterruptedTurns } from './services/messages.js';
import { metricsHandler } from './http/operations.js';
import { Metrics } from './observability/metrics.js';
import { KeyCache } from './services/key-cache.js';
import { resolveServerKey } from './services/server-key.js';
import { WEBHOOK_EVENT_RETENTION_MS, deleteOldWebhookEvents } from './services/webhooks/retention.js';
import { createHttpServer, listen } from './http/connections.js';

/** The URL to reach a listening server at (0.0.0.0 and :: are reached on loopback). */
function urlOf(server: Server, host: string): string {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}`;
}

export type RunningOrion = {
  server: Server;
  db: Database;
  url: string;
  close(): Promise<void>;
};

/** Opens the database, migrates it, makes sure an operator can get in, and starts listening. */
export async function startOrion(
  config: Config,
  logger: Logger,
  announce: (text: string) => void = (text) => process.stdout.write(text),
): Promise<RunningOrion> {
  const startedAt = Date.now();
  // The HTTP application (Yoga, the schema, every route) loads while the database opens: the
  // embedded one compiles its WebAssembly off the main thread.
  const loadingApp = import('./app.js');
  const db = await openDatabase(dataSourceOf(config));
  loadingApp.catch(() => {});
  try {
    const { applied, result: bootstrap } = await prepareDatabase(db, async () => {
      const operator = await bootstrapOperator(db.prisma, config.adminKey, logger);
      const indexed = await indexMissingCharacterKnowledge(db.prisma);
      if (indexed) logger.info({ characters: indexed }, 'indexed the knowledge of characters written before knowledge existed');
      return operator;
    });
    if (applied.length) logger.info({ migrations: applied }, 'applied database migrations');
    if (bootstrap.kind === 'first-start') {
      // Printed, never logged: the only time this secret is ever shown.
      announce(
        [
          '',
          'OrionOS created the operator account and its first admin API key.',
          'It is shown this once and never stored; keep it somewhere safe:',
          '',
          `  ${bootstrap.secret}`,
          '',
          '',
        ].join('\n'),
      );
    }
  } catch (error) {
    await db.close();
    throw error;
  }

  let serverKey: string | undefined;
  try {
    serverKey = resolveServerKey(config);
  } catch (error) {
    await db.close();
    throw error;
  }
  if (!serverKey) logger.warn('ORION_SECRET_KEY is not set: agents cannot have custom tools until it is (required with DATABASE_URL)');
  const limits = config.redisUrl ? await RateLimits.withRedis(config.redisUrl, logger) : RateLimits.inMemory();
  const { createApp } = await loadingApp;
  const metrics = new Metrics();
  // Authentication is cached only where every instance hears about revocations (PostgreSQL's
  // LISTEN/NOTIFY, and Redis too when configured); the embedded database has one process only.
  const keyCache = await KeyCache.forDeployment(config, logger);
  const separateMetrics = config.metricsPort !== undefined;
  const { app, messaging, state, websockets, dispatcher } = createApp({
    // Never public: on the API port only behind METRICS_TOKEN, else on METRICS_PORT (loopback).
    config: { ...config, serverKey, serveMetrics: !separateMetrics && config.metricsToken !== undefined },
    db,
    logger,
    limits,
    metrics,
    keyCache,
  });
  let server: Server;
  let metricsServer: Server | undefined;
  try {
    const httpServer = createHttpServer(app, config);
    websockets.attach(httpServer);
    server = await listen(httpServer, config.port, config.host, { port: 'PORT', host: 'HOST' });
    if (separateMetrics) {
      const metricsApp = express();
      metricsApp.get('/metrics', metricsHandler(metrics, config.metricsToken));
      metricsServer = await listen(createHttpServer(metricsApp, config), config.metricsPort!, config.metricsHost, {
        port: 'METRICS_PORT',
        host: 'METRICS_HOST',
      }).catch((error: unknown) => {
        server.close();
        throw error;
      });
    }
  } catch (error) {
    await dispatcher?.stop(0);
    await limits.close();
    await keyCache.close();
    await db.close();
    throw error;
  }
  const url = urlOf(server, config.host);
  logger.info(
    {
      url,
      graphql: `${url}/graphql`,
      graphqlWebSocket: `${url.replace(/^http/, 'ws')}/graphql`,
      docs: `${url}/docs`,
      openapi: `${url}/v1/openapi.json`,
      database: db.kind,
      rateLimits: limits.store,
      node: process.version,
    },
    'OrionOS is listening',
  );
  if (metricsServer) {
    logger.info({ url: `${urlOf(metricsServer, config.metricsHost)}/metrics`, token: config.metricsToken !== undefined }, 'metrics are served on their own port');
  } else if (config.metricsToken) {
    logger.info({ url: `${url}/metrics`, token: true }, 'metrics are served behind METRICS_TOKEN');
  } else {
    logger.info('metrics are off: set METRICS_TOKEN to serve /metrics behind a token, or METRICS_PORT to serve them on a loopback port');
  }

  // Housekeeping, now and then: expired idempotency records, and turns whose instance died
  // before the model answered (marked failed, their quota given back).
  const interruptedAfterMs = config.modelTimeoutMs + 60_000;
  // Instances sharing PostgreSQL tell a dead one's turns from a live one's only by their age. The
  // embedded database belongs to this process alone (its directory is locked), so every turn
  // still pending from before this process started was left by one that died.
  const interruptedBefore = () => {
    const byAge = Date.now() - interruptedAfterMs;
    return new Date(db.kind === 'pglite' ? Math.max(byAge, startedAt) : byAge);
  };
  const housekeeping = async () => {
    await deleteExpiredIdempotencyRecords(db.prisma).catch((error: unknown) =>
      logger.warn({ err: error }, 'could not delete expired idempotency records'),
    );
    const recovered = await recoverInterruptedTurns(db.prisma, interruptedBefore()).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not recover interrupted turns');
      return 0;
    });
    if (recovered) logger.info({ recovered }, 'marked interrupted turns as failed');
    await deleteOldWebhookEvents(db.prisma, new Date(Date.now() - WEBHOOK_EVENT_RETENTION_MS)).catch((error: unknown) =>
      logger.warn({ err: error }, 'could not delete old webhook events'),
    );
  };
  void housekeeping();
  const cleanup = setInterval(() => void housekeeping(), 5 * 60_000);
  cleanup.unref();

  let closing: Promise<void> | undefined;
  return {
    server,
    db,
    url,
    close: () =>
      (closing ??= (async () => {
        // Readiness fails at once. Behind a load balancer, requests are still served for
        // shutdownDelayMs, until its checks have taken this instance out of rotation: a request
        // it sent meanwhile must not be refused (nor a connection it opened be reset).
        state.draining = true;
        if (config.shutdownDelayMs > 0) {
          logger.info({ delayMs: config.shutdownDelayMs }, 'draining: readiness fails, still serving until the delay ends');
          await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
        }
        // Then new requests are turned away; requests and streams in flight get up to
        // shutdownTimeoutMs to finish, then their connections are closed.
        state.shuttingDown = true;
        clearInterval(cleanup);
        const deadlineAt = Date.now() + config.shutdownTimeoutMs;
        // Claims nothing more at once; attempts in flight get the same bound to be recorded
        // (one cut off runs again after its lease).
        const dispatcherStopped = dispatcher?.stop(config.shutdownTimeoutMs);
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        // Connections whose last request just finished would otherwise linger until keep-alive ends.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        server.closeIdleConnections();
        // WebSockets (upgraded, so outside closeAllConnections' reach) close with 1001 once their
        // operations end, and all of them at the bound.
        websockets.drain();
        const deadline = setTimeout(() => {
          server.closeAllConnections();
          websockets.terminate();
        }, config.shutdownTimeoutMs);
        await drained;
        clearTimeout(deadline);
        clearInterval(sweep);
        metricsServer?.close();
        // Replies whose clients left are still being completed: let them land, within what is
        // left of the same bound.
        await Promise.race([
          Promise.allSettled([...messaging.inflight]),
          new Promise((resolve) => setTimeout(resolve, Math.max(0, deadlineAt - Date.now())).unref()),
        ]);
        await dispatcherStopped;
        await limits.close();
        await keyCache.close();
        await db.close();
      })()),
  };
}

/**
 * Starts OrionOS and shuts it down gracefully on SIGTERM/SIGINT, then exits (0, or 1 if closing
 * failed). Signals are heard from the first moment: one during start-up waits for it to finish,
 * then shuts down cleanly (the embedded database closed, its lock released). The returned
 * promise rejects when start-up fails; what to print then is the caller's.
 */
export function serveUntilSignalled(config: Config, logger: Logger): Promise<RunningOrion> {
  const starting = startOrion(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    starting
      .then((orion) => orion.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'error while shutting down');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return starting;
}
