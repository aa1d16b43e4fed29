import type { PGlite } from '@electric-sql/pglite';
import type { SqlDriverAdapterFactory, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import { lockDataDir } from './datadir-lock.js';
import { fairPool } from './fair-share.js';
import { listenOnPostgres, type Unlisten } from './notifications.js';
import { yieldingToEventLoop } from './pglite-turns.js';
import type { PrismaClient } from './generated/prisma/client.js';

export type { PrismaClient };

// Prisma's client and its query compiler are large: they load while the database opens.
const loadPrismaClient = () => import('./generated/prisma/client.js').then((m) => m.PrismaClient);

/** Where the data lives: the embedded PGlite (on disk, or in memory) or a PostgreSQL server. */
export type DataSource =
  | { kind: 'pglite'; dataDir?: string; loadDataDir?: Blob }
  | { kind: 'postgres'; url: string };

export type Database = {
  kind: DataSource['kind'];
  prisma: PrismaClient;
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Runs `fn` while holding the cluster-wide migration lock (one instance at a time). */
  withStartupLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  /**
   * Calls `onNotify` after each committed NOTIFY on `channel`, from this instance or another on
   * the same database (at most once per transaction and channel). Answers how to stop.
   */
  listen(channel: string, onNotify: () => void, logger?: Logger): Promise<Unlisten>;
  close(): Promise<void>;
};

export type OpenOptions = {
  /** Wraps the driver adapter the app's Prisma client talks through (tests observe its SQL). */
  wrapAdapter?: (factory: SqlDriverAdapterFactory) => SqlDriverAdapterFactory;
};

const unwrapped = (factory: SqlDriverAdapterFactory) => factory;

// Arbitrary, fixed: identifies OrionOS's start-up lock among PostgreSQL advisory locks.
const STARTUP_LOCK_KEY = 4_242_017_301;

/** Connections in an instance's pool unless DATABASE_URL says `?connection_limit=`. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * Splits Prisma's `?schema=` and `?connection_limit=` conventions off a PostgreSQL URL. The
 * schema is applied both to the queries Prisma generates and, through search_path, to the
 * migrations' unqualified SQL; the limit is the size of the app's pool (per instance).
 */
export function postgresConfig(url: string): { poolConfig: pg.PoolConfig; schema: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  parsed.searchParams.delete('schema');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`DATABASE_URL schema ${JSON.stringify(schema)} is not a plain identifier`);
  }
  const limit = parsed.searchParams.get('connection_limit');
  parsed.searchParams.delete('connection_limit');
  if (limit !== null && !/^[1-9][0-9]{0,2}$/.test(limit)) {
    throw new Error(`DATABASE_URL connection_limit ${JSON.stringify(limit)} must be a whole number from 1 to 999`);
  }
  return {
    schema,
    poolConfig: {
      connectionString: parsed.toString(),
      // Prisma's adapter sends dates without an offset: the session reads them as UTC, as PGlite
      // does, whatever the server's default zone.
      options: `-c search_path="${schema}" -c TimeZone=UTC`,
      // A database that is gone answers within seconds (503), rather than hanging requests.
      connectionTimeoutMillis: 5_000,
      query_timeout: 15_000,
      max: limit === null ? DEFAULT_POOL_SIZE : Number(limit),
    },
  };
}

async function openPostgres(url: string, wrap = unwrapped): Promise<Database> {
  const { poolConfig, schema } = postgresConfig(url);
  // The PostgreSQL driver loads only here: an embedded start never pays for it.
  const [{ PrismaPg }, { default: pg }, PrismaClient] = await Promise.all([
    import('@prisma/adapter-pg'),
    import('pg'),
    loadPrismaClient(),
  ]);
  // The app's pool, shared fairly between accounts (fair-share.ts).
  const pool = fairPool(pg.Pool, poolConfig);
  const prisma = new PrismaClient({ adapter: wrap(new PrismaPg(pool, { schema })) });
  // Migrations get connections of their own: the schema engine leaves its session advisory lock
  // on its connection, which must be closed after the run, never handed back to the app's pool.
  const adapterFactory = new PrismaPg(poolConfig, { schema });
  const listeners = new Set<Unlisten>();
  const withClient = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client(poolConfig);
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    kind: 'postgres',
    prisma,
    adapterFactory,
    withStartupLock: (fn) =>
      withClient(async (client) => {
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).catch(() => {
          // Two instances racing on CREATE SCHEMA: the loser's error is harmless.
        });
        await client.query('SELECT pg_advisory_lock($1)', [STARTUP_LOCK_KEY]);
        try {
          return await fn();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [STARTUP_LOCK_KEY]);
        }
      }),
    ping: async () => {
      await prisma.$queryRaw`SELECT 1`;
    },
    listen: async (channel, onNotify, logger) => {
      // Also called once listening again: events announced meanwhile were not heard.
      const { unlisten } = listenOnPostgres(pg.Client, poolConfig, channel, { onNotify, onListening: onNotify }, logger);
      listeners.add(unlisten);
      return async () => {
        listeners.delete(unlisten);
        await unlisten();
      };
    },
    close: async () => {
      await Promise.all([...listeners].map((unlisten) => unlisten()));
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

// PGlite zeroes the whole shared-memory segment at every start, in unoptimised WebAssembly: with
// PostgreSQL's default 128 MB of shared buffers that alone took about 0.45 s. The data files
// stay in the operating system's page cache, so a smaller buffer pool costs little.
const PGLITE_START_PARAMS = (defaults: string[]) => [...defaults, '-c', 'shared_buffers=16MB'];

/**
 * Loaded only to open an embedded database: a server on PostgreSQL never holds PGlite's code
 * (about 10 MiB of resident memory).
 */
const loadPGlite = () =>
  Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter'), import('./pglite-extensions.js')]).then(
    ([a, b, c]) => ({ PGlite: a.PGlite, PrismaPGlite: b.PrismaPGlite, extensions: c.PGLITE_EXTENSIONS }),
  );

async function openPGlite(source: Extract<DataSource, { kind: 'pglite' }>, wrap = unwrapped): Promise<Database> {
  const release = source.dataDir ? lockDataDir(source.dataDir) : () => {};
  let pglite: PGlite;
  let Client: Awaited<ReturnType<typeof loadPrismaClient>>;
  let PrismaPGlite: Awaited<ReturnType<typeof loadPGlite>>['PrismaPGlite'];
  try {
    const loaded = await loadPGlite();
    PrismaPGlite = loaded.PrismaPGlite;
    // One options object: `new PGlite(undefined, options)` (an in-memory database) ignores the options.
    pglite = new loaded.PGlite({
      dataDir: source.dataDir,
      startParams: PGLITE_START_PARAMS(loaded.PGlite.defaultStartParams),
      extensions: loaded.extensions,
      ...(source.loadDataDir ? { loadDataDir: source.loadDataDir } : {}),
    });
    [Client] = await Promise.all([loadPrismaClient(), pglite.waitReady]);
  } catch (error) {
    release();
    throw error;
  }
  const adapterFactory = new PrismaPGlite(yieldingToEventLoop(pglite));
  const prisma = new Client({ adapter: wrap(adapterFactory) });
  return {
    kind: 'pglite',
    prisma,
    adapterFactory,
    // One process owns the data directory (lockDataDir), so there is nobody to race.
    withStartupLock: (fn) => fn(),
    ping: async () => {
      await pglite.query('SELECT 1');
    },
    // One process, one session: its own NOTIFYs reach it once the transaction commits.
    listen: (channel, onNotify) => pglite.listen(channel, () => onNotify()),
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
      release();
    },
  };
}

export function openDatabase(source: DataSource, options: OpenOptions = {}): Promise<Database> {
  return source.kind === 'postgres' ? openPostgres(source.url, options.wrapAdapter) : openPGlite(source, options.wrapAdapter);
}

