// What every benchmark peer of OrionOS runs in front of its route, so that a ratio measures the
// route (the GraphQL translation against a hand-written one) and nothing else: the same database
// setup, the same middleware functions in the same order as src/app.ts (request id, access log
// line, metrics, security headers, no-store, API key looked up through the same in-memory key
// cache, rate limit in the same memory store under the same key, JSON body, idempotency), and the
// same logger writing to standard output. Benchmark only; never part of the product.
import express, { type Express } from 'express';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { prepareDatabase } from '../../src/db/migrate.js';
import { refuseBodyWithoutKey, restJsonBody } from '../../src/http/body.js';
import { idempotency } from '../../src/http/idempotency.js';
import { rateLimiting } from '../../src/http/rate-limit.js';
import { accessLog, authentication, requestId } from '../../src/http/request-context.js';
import { noStore, securityHeaders } from '../../src/http/security.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { createAccount } from '../../src/services/accounts.js';
import { createAgent } from '../../src/services/agents.js';
import { KeyCache } from '../../src/services/key-cache.js';
import { RateLimits } from '../../src/services/rate-limits.js';

export type Front = {
  app: Express;
  db: Database;
  logger: Logger;
  keyCache: KeyCache;
  config: ReturnType<typeof loadConfig>;
  /** The bench account's key and its agent (plus fillers, as bench/http.ts creates on OrionOS). */
  key: string;
  accountId: string;
  agentId: string;
  /** Starts listening on PORT; announces readiness on stderr (stdout carries the access log). */
  listen(extra?: Record<string, unknown>): void;
};

export async function productionFront(): Promise<Front> {
  const config = loadConfig({ ...process.env, ORION_ADMIN_KEY: process.env.ORION_ADMIN_KEY ?? `orn_live_${'0'.repeat(48)}` });
  const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
  const db = await openDatabase(
    process.env.DATABASE_URL ? { kind: 'postgres', url: process.env.DATABASE_URL } : { kind: 'pglite', dataDir: process.env.ORION_DATA_DIR! },
  );
  await prepareDatabase(db, async () => undefined);
  // Same account settings as harness.benchAccount: the rate limit is counted, never reached.
  const { account, secret } = await createAccount(db.prisma, {
    name: 'bench',
    tier: 'enterprise',
    rateLimitPerMinute: 1_000_000,
    monthlyMessageQuota: 1_000_000_000,
  });
  const agent = await createAgent(db.prisma, account.id, { name: 'Bench', personality: { traits: ['friendly'] } });
  for (let i = 0; i < 30; i++) await createAgent(db.prisma, account.id, { name: `Filler ${i}` });

  // As runtime.ts builds them for the server.
  const keyCache = await KeyCache.forDeployment({ databaseUrl: process.env.DATABASE_URL }, logger);
  const limits = RateLimits.inMemory();
  const metrics = new Metrics();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);
  app.use(requestId);
  app.use(accessLog(logger));
  app.use(metrics.httpMiddleware());
  app.use(securityHeaders());
  app.use(['/graphql', '/v1'], noStore);
  app.use(authentication(db.prisma, keyCache));
  app.use(rateLimiting(limits, config.anonymousRateLimitPerMinute, logger, metrics));
  app.use('/v1', refuseBodyWithoutKey, restJsonBody(config.bodyLimitBytes));
  app.use(['/graphql', '/v1'], idempotency(db.prisma, logger, config.modelTimeoutMs + 60_000));

  return {
    app,
    db,
    logger,
    keyCache,
    config,
    key: secret,
    accountId: account.id,
    agentId: agent.id,
    listen(extra = {}) {
      const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => {
        process.stderr.write(`${JSON.stringify({ ready: true, key: secret, agentId: agent.id, ...extra })}\n`);
      });
      process.once('SIGTERM', () =>
        server.close(() =>
          Promise.all([keyCache.close(), limits.close()])
            .then(() => db.close())
            .then(() => process.exit(0)),
        ),
      );
    },
  };
}
