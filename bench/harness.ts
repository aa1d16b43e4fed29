// Shared pieces of the benchmarks: start OrionOS as a real server process on a loopback port,
// drive it with autocannon, read the server's peak memory, print and save a markdown table.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { buildServer } from '../scripts/build.mjs';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const ADMIN_KEY = `orn_live_bench${randomBytes(24).toString('hex')}`;

export type Storage = 'pglite' | 'postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type RunningServer = {
  url: string;
  dataDir: string;
  pid: number;
  storage: Storage;
  /** The PostgreSQL schema the server uses (postgres only), for benchmarks that seed with SQL. */
  schema?: string;
  /** Peak resident memory of the server process so far (VmHWM), in MiB. */
  peakRssMiB(): Promise<number>;
  stop(): Promise<void>;
};

let building: Promise<void> | undefined;

/**
 * Starts the server on embedded PGlite (a fresh dir) or a fresh PG schema: the bundle `npm start`
 * runs (dist/server.js), or with `entry: 'source'` the TypeScript sources through tsx.
 */
export async function startServer(
  storage: Storage,
  env: Record<string, string> = {},
  options: {
    dataDir?: string;
    keepDataDir?: boolean;
    nodeArgs?: string[];
    entry?: 'bundle' | 'source';
    /** Another build's server bundle (e.g. of the previous commit), to compare before and after in one run. */
    bundle?: string;
    /** Log every request (LOG_LEVEL=info) to standard output pointed at /dev/null, as a production server logs. */
    accessLog?: boolean;
  } = {},
): Promise<RunningServer> {
  const entry = options.entry === 'source' ? ['--import', 'tsx', 'src/server.ts'] : [options.bundle ?? 'dist/server.js'];
  // Once per benchmark run: the servers measured are the bundle `npm start` runs.
  if (options.entry !== 'source') await (building ??= buildServer());
  const port = await freePort();
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'orion-bench-')));
  const schema = `orion_bench_${randomBytes(4).toString('hex')}`;
  const storageEnv =
    storage === 'postgres'
      ? { DATABASE_URL: `${POSTGRES_URL}?schema=${schema}` }
      : { ORION_DATA_DIR: dataDir };
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: options.accessLog ? 'info' : 'warn',
      ORION_ADMIN_KEY: ADMIN_KEY,
      NODE_ENV: 'production',
      ...storageEnv,
      ...env,
    },
    stdio: ['ignore', options.accessLog ? 'ignore' : 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    const ok = await fetch(`${url}/v1/agents`).then(
      (r) => r.status === 401,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url,
    dataDir,
    pid: child.pid!,
    storage,
    ...(storage === 'postgres' ? { schema } : {}),
    async peakRssMiB() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return Math.round(kb / 1024);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      if (!options.keepDataDir) await rm(dataDir, { recursive: true, force: true });
      if (storage === 'postgres') {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
    },
  };
}

export async function api(url: string, key: string, method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!json.success) throw new Error(`${method} ${route}: ${JSON.stringify(json.error)}`);
  return json.data;
}

/** A fresh enterprise account (high rate limit) with its key. */
/** The account of a key, read from the bench's database (the API's payloads do not name it). */
export async function accountOf(db: pg.Client, key: string): Promise<string> {
  const hash = createHash('sha256').update(key).digest('hex');
  const { rows } = await db.query('SELECT "accountId" FROM "ApiKey" WHERE hash = $1', [hash]);
  return rows[0].accountId;
}

export async function benchAccount(url: string): Promise<string> {
  const created = await api(url, ADMIN_KEY, 'POST', '/v1/accounts', {
    name: 'bench',
    tier: 'enterprise',
    rateLimitPerMinute: 1_000_000,
    monthlyMessageQuota: 1_000_000_000,
  });
  return created.secret as string;
}

export type LoadResult = {
  requestsPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
};

export async function load(options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({ ...options });
  return {
    requestsPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  };
}

export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export async function saveResults(name: string, markdown: string): Promise<string> {
  await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
  const file = path.join(ROOT, 'bench/results', `${name}.md`);
  await writeFile(file, `${markdown}\n`);
  return path.relative(ROOT, file);
}

export function machineLine(): string {
  return `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

export type ScriptProcess = {
  url: string;
  pid: number;
  ready: Record<string, unknown>;
  peakRssMiB(): Promise<number>;
  stop(): Promise<void>;
};

/**
 * Starts a benchmark script that prints one JSON line with `ready: true` when it listens (on
 * stdout or stderr). With `accessLog`, its stdout (where it logs each request) goes to /dev/null.
 */
export async function startScript(script: string, storage: Storage | 'none', options: { accessLog?: boolean } = {}): Promise<ScriptProcess> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'orion-bench-'));
  const schema = `orion_bench_${randomBytes(4).toString('hex')}`;
  const storageEnv: Record<string, string> =
    storage === 'postgres' ? { DATABASE_URL: `${POSTGRES_URL}?schema=${schema}` } : storage === 'pglite' ? { ORION_DATA_DIR: dataDir } : {};
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), NODE_ENV: 'production', LOG_LEVEL: options.accessLog ? 'info' : 'warn', ...storageEnv },
    stdio: ['ignore', options.accessLog ? 'ignore' : 'pipe', 'pipe'],
  });
  let output = '';
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      const line = output.split('\n').find((l) => l.includes('"ready":true'));
      if (line) resolve(JSON.parse(line));
    };
    child.stdout?.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', () => reject(new Error(`${script} exited:\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    ready,
    async peakRssMiB() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dataDir, { recursive: true, force: true });
      if (storage === 'postgres') {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
    },
  };
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc/<pid>/stat. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Linux's USER_HZ: 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Resets a process's peak resident memory (VmHWM) to its current size, so a peak can be read for one phase. */
export async function resetPeakRss(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.95) - 1]!;

/** Deterministic sentences of the vocabulary's words (the same in every run), 6–14 words each. */
export function sentences(count: number, vocabulary: string[]): string[] {
  let state = 18;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: 6 + Math.floor(next() * 9) }, () => vocabulary[Math.floor(next() * vocabulary.length)]).join(' '),
  );
}

/** How long each of `runs` calls of `run` took (ms), one after the other. */
export async function timed(runs: number, run: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times;
}
