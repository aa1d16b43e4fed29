// Runs the real server as a child process, for tests that are about the process itself: start-up,
// shutdown, configuration, the embedded data directory. It runs the bundle `npm start` runs
// (dist/server.js, built once per test run by the global set-up), so these tests cover what ships.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT_DIR = path.resolve(import.meta.dirname, '../..');

/** 48 characters: long enough for ORION_ADMIN_KEY (at least 32). */
export const PROCESS_ADMIN_KEY = `orn_test_process_${'k'.repeat(31)}`;

/** The environment variables src/config.ts reads: never inherited from the test runner's own. */
const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'ORION_DATA_DIR',
  'REDIS_URL',
  'ORION_ADMIN_KEY',
  'ORION_SECRET_KEY',
  'LOG_LEVEL',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'MODEL_TIMEOUT_MS',
  'BODY_LIMIT_BYTES',
  'ANONYMOUS_RATE_LIMIT_PER_MINUTE',
  'GRAPHQL_MAX_DEPTH',
  'GRAPHQL_MAX_ALIASES',
  'GRAPHQL_MAX_TOKENS',
  'GRAPHQL_MAX_COST',
  'GRAPHQL_MAX_DIRECTIVES',
  'GRAPHQL_INTROSPECTION',
  'NODE_ENV',
  'TRUST_PROXY',
  'CORS_ORIGINS',
  'METRICS_TOKEN',
  'METRICS_PORT',
  'METRICS_HOST',
  'SHUTDOWN_TIMEOUT_MS',
  'SHUTDOWN_DELAY_MS',
  'HTTP_HEADERS_TIMEOUT_MS',
  'HTTP_REQUEST_TIMEOUT_MS',
  'MAX_CONNECTIONS_PER_ADDRESS',
  'ORION_ALLOW_PRIVATE_NETWORKS',
  'ORION_WEBHOOK_RETRY_SCHEDULE',
  'ORION_WEBHOOK_TIMEOUT_MS',
  'ORION_WEBHOOK_LEASE_MS',
];

export type SpawnOptions = {
  /**
   * The server's working directory (where it looks for `.env`). By default an empty directory of
   * the test run's own, so a developer's `.env` in the repository never changes what is tested.
   */
  cwd?: string;
  /** `orion serve` instead of the bundle `npm start` runs. */
  orionServe?: boolean;
  /** The script `npm start` runs (which builds first when dist/ is stale) instead of the bundle itself. */
  startScript?: boolean;
};

let emptyDirectory: string | undefined;
const emptyWorkingDirectory = () => (emptyDirectory ??= mkdtempSync(path.join(tmpdir(), 'orion-cwd-')));

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type ServerProcess = {
  child: ChildProcess;
  pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** The stdout lines that are JSON log records (pino). */
  logLines(): Record<string, unknown>[];
  /** Resolves with the URL from the "OrionOS is listening" log line; rejects if it exits first. */
  listening: Promise<string>;
  exited: Promise<Exit>;
  /** Sends `signal` (SIGTERM by default) and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
};

export type StartedServer = ServerProcess & { url: string };

const running = new Set<ServerProcess>();

/**
 * A TCP port nobody listens on right now, chosen below the range the system takes ports from for
 * outgoing connections (32768 and up on Linux): a port taken by listening on 0 was free a moment
 * ago, but any of the many client connections the tests open could take it before the server
 * binds it ("port … is in use").
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function parseJsonLines(text: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        records.push(value as Record<string, unknown>);
      }
    } catch {
      // Not a log record.
    }
  }
  return records;
}

/**
 * Spawns the server with only the given configuration variables (on top of PATH, HOME and such),
 * without waiting for anything. Variables set to undefined are left out.
 */
export function spawnServer(env: Record<string, string | undefined>, options: SpawnOptions = {}): ServerProcess {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || CONFIG_VARIABLES.includes(name) || name === 'NODE_OPTIONS') continue;
    base[name] = value;
  }
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) base[name] = value;
  }
  const entry = options.orionServe
    ? [path.join(ROOT_DIR, 'bin/orion.js'), 'serve']
    : [path.join(ROOT_DIR, options.startScript ? 'scripts/start.mjs' : 'dist/server.js')];
  const child = spawn(process.execPath, entry, {
    cwd: options.cwd ?? emptyWorkingDirectory(),
    env: base,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');

  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // Wait for the streams too, so that stdout()/stderr() are complete once `exited` resolves.
  const streamsClosed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const exitedAndFlushed = exited.then(async (exit) => {
    await streamsClosed;
    return exit;
  });

  const listening = new Promise<string>((resolve, reject) => {
    const look = () => {
      const line = parseJsonLines(out).find((r) => r.msg === 'OrionOS is listening');
      if (line) resolve(String(line.url));
    };
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      look();
    });
    child.stderr!.on('data', (chunk: string) => {
      err += chunk;
    });
    exitedAndFlushed.then(
      (exit) =>
        reject(
          new Error(
            `the server exited (${JSON.stringify(exit)}) before listening\n--- stdout\n${out}\n--- stderr\n${err}`,
          ),
        ),
      reject,
    );
  });
  listening.catch(() => {}); // Observed by whoever awaits it; never an unhandled rejection.

  const proc: ServerProcess = {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    logLines: () => parseJsonLines(out),
    listening,
    exited: exitedAndFlushed,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exitedAndFlushed;
    },
  };
  running.add(proc);
  void exitedAndFlushed.finally(() => running.delete(proc)).catch(() => {});
  return proc;
}

/** Spawns the server and waits until it listens (fails with its output if it exits instead). */
export async function startServer(
  env: Record<string, string | undefined>,
  options: SpawnOptions = {},
): Promise<StartedServer> {
  const proc = spawnServer(env, options);
  const url = await proc.listening;
  return Object.assign(proc, { url });
}

/** The configuration every test server shares: loopback, a free port, JSON logs at info. */
export async function serverEnv(
  env: Record<string, string | undefined>,
): Promise<Record<string, string | undefined>> {
  return { PORT: String(await freePort()), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env };
}

/** Kills (SIGKILL) every server process still running; for afterEach/afterAll. */
export async function killAllServers(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.stop('SIGKILL').catch(() => undefined)));
}

export async function makeTempDir(prefix = 'orion-process-test-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** fetch with the API key and a JSON body. */
export async function api(
  baseUrl: string,
  key: string | undefined,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(new URL(route, baseUrl), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Left as text.
  }
  return { status: res.status, body: parsed };
}
