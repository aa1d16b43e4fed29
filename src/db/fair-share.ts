import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

const currentTenant = new AsyncLocalStorage<string>();

/** Runs `fn` with its database work counted against `tenant` (an account) in the fair pool. */
export function asTenant<T>(tenant: string, fn: () => T): T {
  return currentTenant.run(tenant, fn);
}

type Waiter = { grant: (release: () => void) => void; timer: NodeJS.Timeout };

/**
 * At most `capacity` holders at a time; waiters are served one tenant after another (round
 * robin), so a tenant with a thousand queries queued delays another's next query by at most
 * one turn instead of the whole queue. A wait longer than `waitTimeoutMs` fails with the pool's
 * own "timeout exceeded when trying to connect" (503 SERVICE_UNAVAILABLE).
 */
export class FairQueue {
  private active = 0;
  // Insertion order is the rotation: a served tenant with more waiting goes to the back.
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(
    private readonly capacity: number,
    private readonly waitTimeoutMs: number,
  ) {}

  acquire(tenant = currentTenant.getStore() ?? ''): Promise<() => void> {
    if (this.active < this.capacity) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(tenant) ?? [];
      const waiter: Waiter = {
        grant: (release) => {
          clearTimeout(waiter.timer);
          resolve(release);
        },
        timer: setTimeout(() => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          if (!queue.length && this.waiting.get(tenant) === queue) this.waiting.delete(tenant);
          reject(new Error('timeout exceeded when trying to connect'));
        }, this.waitTimeoutMs),
      };
      queue.push(waiter);
      this.waiting.set(tenant, queue);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.next();
    };
  }

  private next(): void {
    const first = this.waiting.entries().next();
    if (first.done) {
      this.active--;
      return;
    }
    const [tenant, queue] = first.value;
    this.waiting.delete(tenant);
    const waiter = queue.shift()!;
    if (queue.length) this.waiting.set(tenant, queue);
    // The slot passes straight to the waiter: `active` is unchanged.
    waiter.grant(this.releaser());
  }
}

/**
 * A pg pool whose connections are handed out through a FairQueue as large as the pool, so
 * the pool's own queue never builds up and waiting happens tenant by tenant. A transaction
 * holds its one connection from start to end, so it never waits twice.
 */
export function fairPool(Pool: typeof pg.Pool, config: pg.PoolConfig): pg.Pool {
  const pool = new Pool(config);
  const queue = new FairQueue(config.max ?? 10, config.connectionTimeoutMillis || 30_000);
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  const fairConnect = async (): Promise<pg.PoolClient> => {
    const release = await queue.acquire();
    let client: pg.PoolClient;
    try {
      client = await connect();
    } catch (error) {
      release();
      throw error;
    }
    const giveBack = client.release.bind(client);
    client.release = (err?: Error | boolean) => {
      release();
      return giveBack(err);
    };
    return client;
  };
  // pg-pool's own query() calls connect with a callback; Prisma's adapter awaits it.
  pool.connect = ((callback?: (err: Error | undefined, client?: pg.PoolClient, done?: () => void) => void) => {
    const connecting = fairConnect();
    if (!callback) return connecting;
    connecting.then(
      (client) => callback(undefined, client, () => client.release()),
      (error: Error) => callback(error),
    );
    return undefined;
  }) as typeof pool.connect;
  return pool;
}
