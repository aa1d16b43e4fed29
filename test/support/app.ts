import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import pg from 'pg';
import supertest from 'supertest';
import { inject } from 'vitest';
import { createApp, type AppConfig } from '../../src/app.js';
import type { GraphQLWebSockets } from '../../src/http/graphql-ws.js';
import type { LifecycleState } from '../../src/http/operations.js';
import { openDatabase, type Database, type OpenOptions } from '../../src/db/client.js';
import { prepareDatabase } from '../../src/db/migrate.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createAccount } from '../../src/services/accounts.js';
import { createApiKey } from '../../src/services/api-keys.js';
import { bootstrapOperator } from '../../src/services/bootstrap.js';
import { KeyCache } from '../../src/services/key-cache.js';
import { RateLimits } from '../../src/services/rate-limits.js';
import type { Scope } from '../../src/services/scopes.js';
import type { WebhookDispatcher } from '../../src/services/webhooks/dispatcher.js';

export type Storage = 'pglite' | 'postgres';
export const STORAGES: Storage[] = ['pglite', 'postgres'];

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** A PostgreSQL URL naming a schema of its own, so test apps never see each other's rows. */
export function freshPostgresUrl(): { url: string; schema: string } {
  const schema = `orion_test_${randomBytes(6).toString('hex')}`;
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return { url: url.toString(), schema };
}

export async function dropPostgresSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export const TEST_SERVER_KEY = `test-server-key-${'s'.repeat(32)}`;

export const ADMIN_KEY = `orn_test_${'a'.repeat(43)}`;

export type TestApp = {
  storage: Storage;
  db: Database;
  /** PostgreSQL: the URL of the app's schema, for a second instance (see TestAppOptions.postgresUrl). */
  postgresUrl?: string;
  /** The listening-free Express app, for tests that need a real socket (SSE). */
  app: Express;
  /** Shutdown flag of the app (readiness, refusal of new requests). */
  state: LifecycleState;
  keyCache: KeyCache;
  /** GraphQL over WebSocket, for tests that listen (see sse.ts `listen`). */
  websockets: GraphQLWebSockets;
  /** The webhook dispatcher, when asked for (`webhooks: { dispatch: true, … }`). */
  dispatcher: WebhookDispatcher | undefined;
  http: ReturnType<typeof supertest.agent>;
  adminKey: string;
  /** A new account; its key has every scope but admin. */
  newAccount(
    name?: string,
    limits?: { tier?: 'standard' | 'pro' | 'enterprise'; rateLimitPerMinute?: number; monthlyMessageQuota?: number },
  ): Promise<{ accountId: string; key: string }>;
  /** A key of the account with exactly these scopes. */
  keyWithScopes(accountId: string, scopes: Scope[]): Promise<string>;
  close(): Promise<void>;
};

/** The real app (Express, Yoga, Prisma, a real database) driven in-process with supertest. */
export const TEST_APP_CONFIG: AppConfig = {
  bodyLimitBytes: 1024 * 1024,
  modelTimeoutMs: 5_000,
  openaiApiKey: undefined,
  openaiBaseUrl: undefined,
  anthropicApiKey: undefined,
  anthropicBaseUrl: undefined,
  sseHeartbeatMs: 15_000,
  anonymousRateLimitPerMinute: 100_000,
  // Seals agents' tool secrets (ORION_SECRET_KEY in production), on both storages.
  serverKey: TEST_SERVER_KEY,
};

export type TestAppOptions = Partial<AppConfig> & {
  /** See OpenOptions (e.g. test/support/sql-counter.ts). */
  wrapAdapter?: OpenOptions['wrapAdapter'];
  /** Share rate limits through this Redis (default: in memory, one store per app). */
  redisUrl?: string;
  /** Where the app logs (default: silent, or TEST_LOG_LEVEL). */
  logger?: Logger;
  /** PostgreSQL: open this URL (another app's `postgresUrl`: a second instance on its schema) rather than a fresh schema. */
  postgresUrl?: string;
};

export async function startTestApp(storage: Storage = 'pglite', options: TestAppOptions = {}): Promise<TestApp> {
  const { redisUrl, logger: givenLogger, wrapAdapter, postgresUrl: sharedUrl, ...config } = options;
  let dropSchema = async () => {};
  let db: Database;
  let postgresUrl: string | undefined;
  if (storage === 'postgres' && sharedUrl) {
    postgresUrl = sharedUrl;
    db = await openDatabase({ kind: 'postgres', url: sharedUrl }, { wrapAdapter });
  } else if (storage === 'postgres') {
    const { url, schema } = freshPostgresUrl();
    postgresUrl = url;
    db = await openDatabase({ kind: 'postgres', url }, { wrapAdapter });
    dropSchema = () => dropPostgresSchema(schema);
  } else {
    const template = await readFile(inject('pgliteTemplate'));
    db = await openDatabase({ kind: 'pglite', loadDataDir: new Blob([template]) }, { wrapAdapter });
  }
  await prepareDatabase(db, () => bootstrapOperator(db.prisma, ADMIN_KEY));
  const logger = givenLogger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const limits = redisUrl
    ? await RateLimits.withRedis(redisUrl, logger, `orion-test-${randomBytes(4).toString('hex')}`)
    : RateLimits.inMemory();
  // Authentication is cached as in production (one process); tests that change keys behind the
  // API's back clear it.
  const keyCache = KeyCache.local();
  const { app, messaging, state, websockets, dispatcher } = createApp({ config: { ...TEST_APP_CONFIG, ...config }, db, logger, limits, keyCache });
  return {
    storage,
    db,
    postgresUrl,
    app,
    state,
    keyCache,
    websockets,
    dispatcher,
    http: supertest.agent(app),
    adminKey: ADMIN_KEY,
    async newAccount(name = 'Test account', limits = {}) {
      // Generous limits by default, so only the tests about limits meet them.
      const { account, secret } = await createAccount(db.prisma, {
        name,
        tier: 'enterprise',
        rateLimitPerMinute: 1_000_000,
        monthlyMessageQuota: 1_000_000,
        ...limits,
      });
      return { accountId: account.id, key: secret };
    },
    async keyWithScopes(accountId, scopes) {
      const { secret } = await createApiKey(db.prisma, { accountId, name: 'scoped', scopes });
      return secret;
    },
    async close() {
      await dispatcher?.stop();
      await Promise.allSettled([...messaging.inflight]);
      await limits.close();
      await db.close();
      await dropSchema();
    },
  };
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Sends a GraphQL operation to /graphql and returns the parsed body and status. */
export async function graphql(
  app: TestApp,
  key: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ status: number; body: any; headers: Record<string, string> }> {
  let req = app.http.post('/graphql').set('Content-Type', 'application/json').set('Accept', 'application/json');
  if (key) req = req.set(bearer(key));
  const res = await req.send({ query, variables });
  return { status: res.status, body: res.body, headers: res.headers as Record<string, string> };
}
