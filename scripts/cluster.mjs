// `npm run cluster`: HAProxy (deploy/haproxy.cfg) in front of N OrionOS instances (default 3) on
// one PostgreSQL and one Redis, for trying a production shape on one machine. Prints the one URL
// to use (and the admin key, when the first start made one); Ctrl-C stops everything it started.
//
//   npm run cluster -- --instances 2 --port 8080
//
// Configuration: DATABASE_URL (default: the local PostgreSQL, database orion_cluster, created if
// missing), REDIS_URL (default: the local Redis), ORION_SECRET_KEY (shared by every instance;
// when unset, generated once into ORION_DATA_DIR, ./data by default, and reused by later runs),
// ORION_ADMIN_KEY, and any other variable of the server, passed to every instance. HAPROXY_BIN names haproxy if it is not
// on PATH.
//
// Also a module: the tests and the benchmark render deploy/haproxy.cfg and run HAProxy with it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const HAPROXY_CONFIG = path.join(ROOT, 'deploy/haproxy.cfg');
export const HAPROXY_BIN = process.env.HAPROXY_BIN ?? 'haproxy';

const BEGIN = /^\s*# BEGIN instances.*$/m;
const END = /^\s*# END instances.*$/m;

/**
 * deploy/haproxy.cfg with its instance lines replaced by `servers` ({name, host, port}). The
 * addresses it listens on are environment variables of HAProxy (see startHaproxy).
 */
export function renderHaproxyConfig(template, servers) {
  const begin = BEGIN.exec(template);
  const end = END.exec(template);
  if (!begin || !end || end.index < begin.index) throw new Error('the HAProxy configuration has no "# BEGIN instances" … "# END instances" block');
  const indent = /^\s*/.exec(begin[0])[0];
  const lines = servers.map((s) => `${indent}server ${s.name} ${s.host}:${s.port}`);
  return `${template.slice(0, begin.index + begin[0].length)}\n${lines.join('\n')}\n${template.slice(end.index)}`;
}

/**
 * Starts HAProxy in the foreground with deploy/haproxy.cfg rendered for `servers`, listening on
 * `bind` (host:port) and its statistics on `statsBind`. Resolves once it accepts connections.
 * Its output (one log line per request) goes to `logFile` when given.
 */
export async function startHaproxy({ servers, bind, statsBind, logFile, template }) {
  const dir = await mkdtemp(path.join(tmpdir(), 'orion-haproxy-'));
  const config = renderHaproxyConfig(template ?? (await readFile(HAPROXY_CONFIG, 'utf8')), servers);
  await writeFile(path.join(dir, 'haproxy.cfg'), config);
  await cp(path.join(path.dirname(HAPROXY_CONFIG), 'errors'), path.join(dir, 'errors'), { recursive: true });
  const child = spawn(HAPROXY_BIN, ['-db', '-f', path.join(dir, 'haproxy.cfg')], {
    env: { ...process.env, ORION_CLUSTER_BIND: bind, ORION_CLUSTER_STATS_BIND: statsBind },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  const onData = (chunk) => {
    if (output.length < 64 * 1024) output += chunk;
    log?.write(chunk);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const spawnFailed = new Promise((_, reject) => child.once('error', reject));
  spawnFailed.catch(() => {});
  const [host, port] = splitHostPort(bind);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ready = await Promise.race([
      canConnect(host, port),
      exited.then((exit) => Promise.reject(new Error(`haproxy exited (${JSON.stringify(exit)}):\n${output}`))),
      spawnFailed.catch((error) =>
        Promise.reject(new Error(`could not run ${HAPROXY_BIN} (${error.message}): install it (Debian: apt-get install haproxy) or set HAPROXY_BIN`)),
      ),
    ]);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`haproxy did not listen on ${bind} within 10 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid,
    url: `http://${bind}`,
    statsUrl: `http://${statsBind}`,
    dir,
    output: () => output,
    exited,
    /** SIGUSR1: a soft stop (connections in flight may finish, up to hard-stop-after); SIGTERM: now. */
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const exit = await exited;
      log?.end();
      return exit;
    },
  };
}

/** The state HAProxy sees each instance in ("UP", "DOWN", "UP 1/2"…), from its statistics CSV. */
export async function instanceStates(statsUrl) {
  const text = await (await fetch(`${statsUrl}/;csv`)).text();
  const [header, ...rows] = text.replace(/^# /, '').trim().split('\n');
  const columns = header.split(',');
  const states = {};
  for (const row of rows) {
    const cells = row.split(',');
    const get = (name) => cells[columns.indexOf(name)];
    if (get('pxname') === 'orion' && !['FRONTEND', 'BACKEND'].includes(get('svname'))) states[get('svname')] = get('status');
  }
  return states;
}

function splitHostPort(address) {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, '') || '127.0.0.1', Number(address.slice(at + 1))];
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Creates the database of a postgresql:// URL when it does not exist yet. */
export async function ensureDatabase(url) {
  const { default: pg } = await import('pg');
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  admin.search = '';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return true;
    }
    return false;
  } finally {
    await client.end();
  }
}

/**
 * ORION_SECRET_KEY when set; else one generated once into the data directory (ORION_DATA_DIR,
 * ./data by default; mode 0600) and read back by later runs, as a single embedded server does, so
 * that secrets sealed in one run (custom tools' signing secrets) open in the next.
 */
async function clusterSecretKey() {
  if (process.env.ORION_SECRET_KEY) return { secretKey: process.env.ORION_SECRET_KEY, secretFile: undefined, generated: false };
  const dir = path.resolve(process.env.ORION_DATA_DIR || './data');
  const secretFile = path.join(dir, 'cluster-secret.key');
  try {
    const stored = (await readFile(secretFile, 'utf8')).trim();
    if (stored.length >= 32) return { secretKey: stored, secretFile, generated: false };
    throw new Error(`${secretFile} holds no key (at least 32 characters): remove it or set ORION_SECRET_KEY`);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true });
  const secretKey = randomBytes(32).toString('base64url');
  await writeFile(secretFile, `${secretKey}\n`, { mode: 0o600, flag: 'wx' });
  return { secretKey, secretFile, generated: true };
}

const USAGE = `Usage: npm run cluster -- [--instances N] [--port PORT] [--host HOST] [--first-instance-port PORT] [--stats-port PORT] [--logs DIR]

  --instances            how many OrionOS instances (default 3)
  --port                 where HAProxy listens: the one URL to use (default 8080)
  --host                 the address HAProxy listens on (default 127.0.0.1)
  --first-instance-port  instance i listens on this + i - 1, on loopback (default 3001)
  --stats-port           HAProxy's statistics page, on loopback (default 8404)
  --logs                 where each process's output goes (default: a new temporary directory)`;

async function main() {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '3' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'first-instance-port': { type: 'string', default: '3001' },
      'stats-port': { type: 'string', default: '8404' },
      logs: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const count = Number(values.instances);
  const port = Number(values.port);
  const firstPort = Number(values['first-instance-port']);
  const statsPort = Number(values['stats-port']);
  for (const [name, value, min] of [['--instances', count, 1], ['--port', port, 1], ['--first-instance-port', firstPort, 1], ['--stats-port', statsPort, 1]]) {
    if (!Number.isInteger(value) || value < min || value > 65535) {
      console.error(`cluster: ${name} must be a whole number from ${min} (got ${JSON.stringify(String(value))})\n\n${USAGE}`);
      process.exit(2);
    }
  }

  const databaseUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/orion_cluster';
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  let secret;
  try {
    secret = await clusterSecretKey();
  } catch (error) {
    console.error(`cluster: ${error.message}`);
    process.exit(1);
  }
  const { secretKey, secretFile, generated } = secret;
  const logs = values.logs ? path.resolve(values.logs) : await mkdtemp(path.join(tmpdir(), 'orion-cluster-'));
  await mkdir(logs, { recursive: true });

  try {
    if (await ensureDatabase(databaseUrl)) console.log(`cluster: created the database ${new URL(databaseUrl).pathname.slice(1)}`);
  } catch (error) {
    console.error(`cluster: cannot reach PostgreSQL at ${new URL(databaseUrl).host} (${error.message}); set DATABASE_URL`);
    process.exit(1);
  }

  // The bundle every instance runs, built once here (not by each instance at once).
  const { buildServer, isBuildFresh } = await import(pathToFileURL(path.join(ROOT, 'scripts/build.mjs')).href);
  if (!(await isBuildFresh())) await buildServer();

  const children = [];
  let stopping = false;
  let adminKeyShown = false;
  const instances = Array.from({ length: count }, (_, i) => ({ name: `orion${i + 1}`, host: '127.0.0.1', port: firstPort + i }));
  const startInstance = (instance) =>
    new Promise((resolve, reject) => {
      const logFile = path.join(logs, `${instance.name}.log`);
      const log = createWriteStream(logFile, { flags: 'a' });
      const child = spawn(process.execPath, [path.join(ROOT, 'dist/server.js')], {
        cwd: process.cwd(),
        env: {
          ...process.env,
          NODE_ENV: process.env.NODE_ENV || 'production',
          HOST: instance.host,
          PORT: String(instance.port),
          DATABASE_URL: databaseUrl,
          REDIS_URL: redisUrl,
          ORION_SECRET_KEY: secretKey,
          // Every connection comes from HAProxy, on loopback: believe its X-Forwarded-For, and cap
          // connections there rather than per address here.
          TRUST_PROXY: process.env.TRUST_PROXY || 'loopback',
          MAX_CONNECTIONS_PER_ADDRESS: process.env.MAX_CONNECTIONS_PER_ADDRESS || '0',
          // After SIGTERM, serve on until HAProxy's checks (deploy/haproxy.cfg) have taken the
          // instance out of rotation (within 1.5 s), then stop accepting.
          SHUTDOWN_DELAY_MS: process.env.SHUTDOWN_DELAY_MS || '3000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      let listening = false;
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk) => {
        log.write(chunk);
        if (listening) return; // The key, if any, is printed before the instance listens.
        out += chunk;
        // The first start on an empty database prints the operator's key once: pass it on.
        const key = /admin API key\.[\s\S]*?\n\n\s+(orn_\S+)/.exec(out);
        if (key && !adminKeyShown) {
          adminKeyShown = true;
          console.log(`\ncluster: the first start created the operator account; its admin API key (shown once, never stored):\n\n  ${key[1]}\n`);
        }
      });
      // Ready when /readyz says so (whatever LOG_LEVEL hides): migrated, database and Redis reachable.
      const poll = async () => {
        while (!listening && child.exitCode === null && child.signalCode === null) {
          const ready = await fetch(`http://${instance.host}:${instance.port}/readyz`).then((r) => r.ok, () => false);
          if (ready) {
            listening = true;
            resolve(child);
            return;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      void poll();
      child.stderr.on('data', (chunk) => {
        log.write(chunk);
        if (!listening) out += chunk;
      });
      child.once('exit', (code, signal) => {
        log.end();
        if (!listening) reject(new Error(`${instance.name} exited (${code ?? signal}) before listening; see ${logFile}\n${out.slice(-2000)}`));
        else if (!stopping) console.error(`cluster: ${instance.name} exited (${code ?? signal}); HAProxy sends its traffic to the others. See ${logFile}`);
      });
    });

  let haproxy;
  let haproxyStarting;
  const stopAll = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\ncluster: ${signal}: stopping HAProxy and ${children.length} instance${children.length === 1 ? '' : 's'} (streams in flight may finish)…`);
    const exits = children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map((c) => new Promise((resolve) => {
        c.once('exit', resolve);
        c.kill('SIGTERM');
      }));
    // HAProxy may be starting right now: stop it once it has.
    const proxy = haproxy ?? (await haproxyStarting?.catch(() => undefined));
    await Promise.all([proxy?.stop('SIGUSR1'), ...exits]);
    console.log('cluster: stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));

  try {
    // Migrations run once, under the instances' start-up lock, whichever starts first.
    await Promise.all(instances.map(startInstance));
    haproxy = await (haproxyStarting = startHaproxy({
      servers: instances,
      bind: `${values.host}:${port}`,
      statsBind: `127.0.0.1:${statsPort}`,
      logFile: path.join(logs, 'haproxy.log'),
    }));
    // The URL is printed once HAProxy's own checks have every instance in rotation.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const states = await instanceStates(haproxy.statsUrl).catch(() => ({}));
      if (instances.every((i) => states[i.name] === 'UP')) break;
      if (Date.now() > deadline) throw new Error(`HAProxy does not see every instance up: ${JSON.stringify(states)}; see ${logs}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    // Ctrl-C during start-up: stopAll is already stopping what started.
    if (stopping) return;
    console.error(`cluster: ${error.message}`);
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    await haproxy?.stop('SIGTERM');
    process.exit(1);
  }
  void haproxy.exited.then((exit) => {
    if (stopping) return;
    console.error(`cluster: haproxy exited (${JSON.stringify(exit)}); stopping`);
    void stopAll('haproxy exit');
  });
  const reachable = values.host === '0.0.0.0' ? '127.0.0.1' : values.host;
  console.log(
    [
      '',
      `OrionOS cluster: ${count} instance${count === 1 ? '' : 's'} behind HAProxy`,
      '',
      `  URL:        http://${reachable}:${port}   (REST under /v1, GraphQL at /graphql)`,
      `  instances:  ${instances.map((i) => `${i.name} ${i.host}:${i.port}`).join(', ')}`,
      `  HAProxy:    statistics at http://127.0.0.1:${statsPort}/`,
      `  database:   ${new URL(databaseUrl).host}${new URL(databaseUrl).pathname}; Redis: ${new URL(redisUrl).host}`,
      `  logs:       ${logs}`,
      ...(secretFile ? [`  secret key: ORION_SECRET_KEY is not set: ${generated ? 'generated into' : 'read from'} ${secretFile} (kept for later runs)`] : []),
      ...(!process.env.ORION_ADMIN_KEY && !adminKeyShown ? ['  admin key:  the one printed at the first start on this database (or set ORION_ADMIN_KEY)'] : []),
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
