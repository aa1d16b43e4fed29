// A cluster as production runs it, on loopback: N server processes (the bundle `npm start` runs)
// on one PostgreSQL schema and one Redis, behind a real HAProxy configured by deploy/haproxy.cfg
// (rendered for these instances by scripts/cluster.mjs). PostgreSQL is reached through a TCP proxy
// the test can cut, Redis is a redis-server of the test's own.
import { instanceStates, startHaproxy, type Haproxy } from '../../scripts/cluster.mjs';
import { POSTGRES_URL, dropPostgresSchema, freshPostgresUrl } from './app.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { PROCESS_ADMIN_KEY, freePort, startServer, type Exit, type StartedServer } from './server-process.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export const CLUSTER_SECRET_KEY = `cluster-test-server-key-${'c'.repeat(32)}`;

export type ClusterInstance = { name: string; port: number; url: string; server: StartedServer };

export type Cluster = {
  /** Where clients go: HAProxy. */
  url: string;
  haproxy: Haproxy;
  instances: ClusterInstance[];
  /** The PostgreSQL URL of the cluster's schema (direct, not through the proxy), for inspection. */
  databaseUrl: string;
  /** Between the instances and PostgreSQL. */
  dbProxy: TcpProxy;
  redis: RedisServer;
  /** The status HAProxy gives each instance, by name ("UP", "DOWN", "UP 1/2"…). */
  states(): Promise<Record<string, string>>;
  /** Resolves once HAProxy sees every named instance (all by default) in `status`; throws after `timeoutMs`. */
  waitFor(status: 'UP' | 'DOWN', names?: string[], timeoutMs?: number): Promise<void>;
  /** SIGTERM (graceful) or SIGKILL for instance `i`; resolves once it has exited. */
  stop(i: number, signal?: NodeJS.Signals): Promise<Exit>;
  /** Starts instance `i` again on its port (it must be stopped); resolves once it listens. */
  start(i: number): Promise<void>;
  close(): Promise<void>;
};

export async function startCluster(options: { instances?: number; env?: Record<string, string> } = {}): Promise<Cluster> {
  const count = options.instances ?? 3;
  const target = new URL(POSTGRES_URL);
  const dbProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const redis = await startRedisServer();
  const { url: databaseUrl, schema } = freshPostgresUrl();
  const proxied = new URL(databaseUrl);
  proxied.hostname = dbProxy.host;
  proxied.port = String(dbProxy.port);
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const env = (port: number) => ({
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    DATABASE_URL: proxied.toString(),
    REDIS_URL: redis.url,
    ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
    ORION_SECRET_KEY: CLUSTER_SECRET_KEY,
    TRUST_PROXY: 'loopback',
    MAX_CONNECTIONS_PER_ADDRESS: '0',
    // As `npm run cluster` sets it: serve on after SIGTERM until HAProxy has taken the instance out.
    SHUTDOWN_DELAY_MS: '3000',
    METRICS_PORT: '',
    METRICS_TOKEN: '',
    ...options.env,
  });
  const instances: ClusterInstance[] = [];
  const startInstance = async (i: number) => {
    const port = ports[i]!;
    const server = await startServer(env(port));
    instances[i] = { name: `orion${i + 1}`, port, url: server.url, server };
  };
  // All at once, as a deployment would: the start-up lock lets one of them migrate.
  await Promise.all(ports.map((_, i) => startInstance(i)));
  const haproxyPort = await freePort();
  const statsPort = await freePort();
  const haproxy = await startHaproxy({
    servers: instances.map((i) => ({ name: i.name, host: '127.0.0.1', port: i.port })),
    bind: `127.0.0.1:${haproxyPort}`,
    statsBind: `127.0.0.1:${statsPort}`,
  });
  const states = () => instanceStates(haproxy.statsUrl);
  const waitFor = async (status: 'UP' | 'DOWN', names = instances.map((i) => i.name), timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await states();
      if (names.every((n) => now[n] === status)) return;
      if (Date.now() > deadline) throw new Error(`HAProxy did not see ${names.join(', ')} ${status} within ${timeoutMs} ms: ${JSON.stringify(now)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitFor('UP');
  return {
    url: haproxy.url,
    haproxy,
    instances,
    databaseUrl,
    dbProxy,
    redis,
    states,
    waitFor,
    stop: (i, signal = 'SIGTERM') => instances[i]!.server.stop(signal),
    start: (i) => startInstance(i),
    async close() {
      await Promise.all(instances.map((i) => i.server.stop('SIGKILL').catch(() => undefined)));
      await haproxy.stop('SIGTERM');
      await dbProxy.close();
      await redis.stop();
      await dropPostgresSchema(schema);
    },
  };
}
