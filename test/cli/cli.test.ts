// The `orion` command as a user runs it: `node bin/orion.js ...` in a child process, against a
// fresh PostgreSQL schema and a temporary embedded data directory. The two flows run
// concurrently: each command is a process of its own, and most of its time is start-up.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { authenticate } from '../../src/services/api-keys.js';
import { dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import { api, freePort, makeTempDir, removeDir, ROOT_DIR } from '../support/server-process.js';

const BIN = path.join(ROOT_DIR, 'bin/orion.js');

/** Never inherited from the test runner: the database is always the one a test names. */
const CONFIG_VARIABLES = ['DATABASE_URL', 'ORION_DATA_DIR', 'ORION_ADMIN_KEY', 'PORT', 'HOST', 'REDIS_URL', 'LOG_LEVEL'];

type Run = { code: number | null; stdout: string; stderr: string; json: any };

/** Each command is a heavy process (Prisma, embedded PostgreSQL): two at a time, one per core. */
const MAX_PARALLEL = 2;
let running = 0;
const waiting: (() => void)[] = [];
async function slot(): Promise<() => void> {
  if (running >= MAX_PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/** Test timeout for the process-heavy tests: generous, as a busy machine slows every start-up. */
const SLOW = 120_000;

/** Runs `orion ...args` from a directory outside the repository, as an installed command would be. */
async function orion(args: string[], env: Record<string, string>): Promise<Run> {
  const release = await slot();
  try {
    return await spawnOrion(args, env);
  } finally {
    release();
  }
}

function spawnOrion(
  args: string[],
  env: Record<string, string>,
): Promise<Run> & { pid: number; stop(signal?: NodeJS.Signals): void } {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !CONFIG_VARIABLES.includes(name) && name !== 'NODE_OPTIONS') base[name] = value;
  }
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: tmpdir(),
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
  return Object.assign(done, {
    pid: child.pid!,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

/** Every file under `dir` with its size and modification time. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const stat = statSync(full);
        files[path.relative(dir, full)] = `${stat.size}:${stat.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return files;
}

/** Undone last first: a server left running by a failed test ends before its directory goes. */
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe.concurrent('orion', () => {
  it('on PostgreSQL: migrate, accounts create, keys create/list/revoke, all --json', { timeout: SLOW }, async () => {
    const { url, schema } = freshPostgresUrl();
    cleanups.push(() => dropPostgresSchema(schema));
    const env = { DATABASE_URL: url };

    // Nothing is touched before the database is migrated.
    const early = await orion(['keys', 'list', '--account', 'acc_none'], env);
    expect([early.code, early.stdout]).toEqual([1, '']);
    expect(lines(early.stderr)).toEqual([expect.stringMatching(/^orion: PostgreSQL .* \(schema orion_test_\w+\) is missing \d+ migration\(s\): run `orion migrate`/)]);

    const migrated = await orion(['migrate', '--json'], env);
    expect([migrated.code, migrated.stderr]).toEqual([0, '']);
    expect(migrated.json.database).toBe('postgres');
    expect(migrated.json.applied.length).toBe(migrated.json.total);
    expect(migrated.json.applied).toContain('20261128132232_init');

    const account = await orion(['accounts', 'create', '--name', 'Acme', '--tier', 'pro', '--json'], env);
    expect([account.code, account.stderr]).toEqual([0, '']);
    expect(account.json.account).toMatchObject({ name: 'Acme', tier: 'pro', rateLimitPerMinute: 300, monthlyMessageQuota: 100_000 });
    expect(account.json.account.id).toMatch(/^acc_/);
    expect(account.json.apiKey).toMatchObject({ name: 'Initial key', environment: 'live', revokedAt: null });
    expect(account.json.apiKey.scopes).not.toContain('admin');
    expect(account.json.secret).toMatch(/^orn_live_/);
    expect(account.json.secret.startsWith(account.json.apiKey.prefix)).toBe(true);
    const accountId: string = account.json.account.id;

    const expiresAt = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const [created, accounts, badScope, badDate, impossibleDate] = await Promise.all([
      orion(
        ['keys', 'create', '--account', accountId, '--name', 'CI', '--scopes', 'agents:read,conversations:read', '--environment', 'test', '--expires-at', expiresAt, '--json'],
        env,
      ),
      orion(['accounts', 'list', '--json'], env),
      // Bad input: refused before anything is opened, in one line, exit 1.
      orion(['keys', 'create', '--account', accountId, '--name', 'Odd', '--scopes', 'agents:read,root', '--json'], env),
      orion(['keys', 'create', '--account', accountId, '--name', 'Old', '--scopes', 'admin', '--expires-at', '2001-01-01T00:00:00Z'], env),
      // Not rolled over into March.
      orion(['keys', 'create', '--account', accountId, '--name', 'Feb', '--scopes', 'admin', '--expires-at', '2030-02-30T00:00:00Z'], env),
    ]);
    expect([created.code, created.stderr]).toEqual([0, '']);
    expect(created.json.apiKey).toMatchObject({ name: 'CI', scopes: ['agents:read', 'conversations:read'], environment: 'test', expiresAt });
    expect(created.json.secret).toMatch(/^orn_test_/);
    const keyId: string = created.json.apiKey.id;
    expect([accounts.code, accounts.stderr]).toEqual([0, '']);
    expect(accounts.json.items).toEqual([
      { ...account.json.account, messageUsage: { period: expect.stringMatching(/^\d{4}-\d{2}$/), used: 0, quota: 100_000, resetsAt: expect.any(String) } },
    ]);
    for (const [bad, says] of [
      [badScope, 'unknown scope "root"'],
      [badDate, 'must be in the future'],
      [impossibleDate, 'expected an ISO 8601 date'],
    ] as const) {
      expect([bad.code, bad.stdout]).toEqual([1, '']);
      expect(lines(bad.stderr)).toHaveLength(1);
      expect(bad.stderr).toContain(says);
    }

    const revoked = await orion(['keys', 'revoke', keyId, '--account', accountId, '--json'], env);
    expect([revoked.code, revoked.stderr]).toEqual([0, '']);
    expect(revoked.json).toMatchObject({ id: keyId, name: 'CI' });
    expect(revoked.json.revokedAt).not.toBeNull();

    const listed = await orion(['keys', 'list', '--account', accountId, '--json'], env);
    expect([listed.code, listed.stderr]).toEqual([0, '']);
    expect(listed.json.items.map((k: any) => [k.id, k.revokedAt !== null])).toEqual([
      [keyId, true],
      [account.json.apiKey.id, false],
    ]);
    expect(listed.stdout).not.toContain(created.json.secret);
    expect(listed.stdout).not.toContain(account.json.secret);

    // The keys are real: the server's own authentication accepts the live one, refuses the revoked one.
    const db = await openDatabase({ kind: 'postgres', url });
    try {
      const live = await authenticate(db.prisma, `Bearer ${account.json.secret}`);
      expect(live.kind === 'key' && live.account.id).toBe(accountId);
      expect(await authenticate(db.prisma, `Bearer ${created.json.secret}`)).toEqual({ kind: 'invalid', reason: 'This API key has been revoked' });
    } finally {
      await db.close();
    }
  });

  it('on the embedded database: the same flow, then serve; while it runs, commands refuse in one line and touch nothing', { timeout: SLOW }, async () => {
    const [emptyDir, dataDir] = [await makeTempDir('orion-cli-test-'), await makeTempDir('orion-cli-test-')];
    cleanups.push(() => removeDir(emptyDir), () => removeDir(dataDir));
    // A migrated embedded database (the test template: PGlite's dump is its data directory, as a
    // tar), so that no initdb runs here; applying migrations is the PostgreSQL flow's part.
    execFileSync('tar', ['-xf', inject('pgliteTemplate'), '-C', dataDir], { stdio: 'ignore' });
    const env = { ORION_DATA_DIR: dataDir };

    const [early, migrated] = await Promise.all([
      // Nothing is created in a directory that holds no database.
      orion(['keys', 'list', '--account', 'acc_none'], { ORION_DATA_DIR: emptyDir }),
      // Off a terminal: progress as plain lines on stderr (no spinner, no colours), the result on stdout.
      orion(['migrate'], env),
    ]);
    expect([early.code, early.stdout]).toEqual([1, '']);
    expect(lines(early.stderr)).toEqual([`orion: there is no database in ${emptyDir}: run \`orion migrate\` (or start the server) first`]);
    expect(readdirSync(emptyDir)).toEqual([]);

    expect(migrated.code).toBe(0);
    expect(lines(migrated.stdout)).toEqual([expect.stringMatching(/^Database is up to date: all \d+ migration\(s\) were already applied\.$/)]);
    expect(migrated.stderr).not.toContain('\x1b');
    expect(lines(migrated.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^Opened the embedded database in ${dataDir} \\(\\d+ ms\\)$`)),
      expect.stringMatching(/^\d+ migration\(s\) known, 0 pending \(\d+ ms\)$/),
      expect.stringMatching(/^Nothing to apply \(\d+ ms\)$/),
    ]);

    const account = await orion(['accounts', 'create', '--name', 'Acme', '--json'], env);
    expect([account.code, account.stderr]).toEqual([0, '']);
    expect(account.json.account).toMatchObject({ name: 'Acme', tier: 'standard', rateLimitPerMinute: 60 });
    const accountId: string = account.json.account.id;

    const created = await orion(['keys', 'create', '--account', accountId, '--name', 'Reader', '--scopes', 'agents:read', '--json'], env);
    expect([created.code, created.stderr]).toEqual([0, '']);
    expect(created.json.apiKey).toMatchObject({ name: 'Reader', scopes: ['agents:read'], environment: 'live', expiresAt: null });
    const keyId: string = created.json.apiKey.id;

    const revoked = await orion(['keys', 'revoke', keyId, '--account', accountId, '--json'], env);
    expect([revoked.code, revoked.stderr]).toEqual([0, '']);
    expect(revoked.json).toMatchObject({ id: keyId });
    expect(revoked.json.revokedAt).not.toBeNull();

    // Without --json: a table, newest first; secrets never.
    const listed = await orion(['keys', 'list', '--account', accountId], env);
    expect([listed.code, listed.stderr]).toEqual([0, '']);
    const table = lines(listed.stdout);
    expect(table[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+ENV\s+STATUS\s+SCOPES\s+LAST USED\s+EXPIRES$/);
    expect(table[1]).toMatch(new RegExp(`^${keyId}\\s+Reader\\s+orn_live_\\S{8}…\\s+live\\s+revoked\\s+agents:read\\s+never\\s+never$`));
    expect(table[2]).toMatch(/^key_\w+\s+Initial key\s+orn_live_\S{8}…\s+live\s+active\s+/);
    expect(table).toHaveLength(3);
    expect(listed.stdout).not.toContain(created.json.secret);

    // `orion serve` on it: the account's key works over HTTP, the revoked one does not.
    const port = await freePort();
    const server = spawnOrion(['serve', '--port', String(port), '--host', '127.0.0.1'], { ...env, LOG_LEVEL: 'info' });
    cleanups.push(async () => {
      server.stop('SIGKILL');
      await server;
    });
    const url = `http://127.0.0.1:${port}`;
    let answer = { status: 0, body: undefined as any };
    for (let i = 0; i < 1000 && answer.status === 0; i++) {
      answer = await api(url, account.json.secret, 'GET', '/v1/agents').catch(() => ({ status: 0, body: undefined }));
      if (answer.status === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect([answer.status, answer.body.success]).toEqual([200, true]);
    expect((await api(url, created.json.secret, 'GET', '/v1/agents')).body.error.code).toBe('UNAUTHORIZED');

    // The server notes a key's first use in the background: let that write land before comparing.
    for (let i = 0; i < 100; i++) {
      const keys = await api(url, account.json.secret, 'GET', '/v1/api-keys');
      if (keys.body.data.items.some((k: any) => k.id === account.json.apiKey.id && k.lastUsedAt)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const lockPath = path.join(dataDir, 'orion.lock');
    expect(readFileSync(lockPath, 'utf8')).toBe(String(server.pid));
    const before = snapshot(dataDir);
    const refusals = await Promise.all([
      orion(['keys', 'create', '--account', accountId, '--name', 'n', '--scopes', 'admin', '--json'], env),
      orion(['serve', '--port', String(await freePort()), '--host', '127.0.0.1'], { ...env, LOG_LEVEL: 'silent' }),
    ]);
    for (const refused of refusals) {
      expect([refused.code, refused.stdout]).toEqual([1, '']);
      const errorLines = lines(refused.stderr);
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toMatch(
        /^orion: the embedded database in .* is in use by another process \(pid \d+\), probably a running OrionOS server; nothing was changed\. Stop it first, or /,
      );
      expect(errorLines[0]).toContain(dataDir);
      expect(errorLines[0]).toContain(`pid ${server.pid}`);
    }
    expect(refusals[0]!.stderr).toContain('use its HTTP API (POST /v1/api-keys');
    // Not a byte of the data directory changed, the lock is still the server's, and it still serves.
    expect(snapshot(dataDir)).toEqual(before);
    expect(readFileSync(lockPath, 'utf8')).toBe(String(server.pid));
    expect((await api(url, account.json.secret, 'POST', '/v1/agents', { name: 'Still here' })).status).toBe(201);

    server.stop();
    const exit = await server;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('"msg":"OrionOS is listening"');
    expect(exit.stdout).toContain('"msg":"shutting down"');
  });
});
