// `npm run cluster` as a user runs it: HAProxy and N instances on PostgreSQL and Redis, one URL
// printed (and the admin key the first start made), every instance behind it, and Ctrl-C
// (SIGINT) stopping everything it started.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import { SHARED_REDIS_URL } from '../support/redis-server.js';
import { ROOT_DIR, freePort, makeTempDir, removeDir } from '../support/server-process.js';

const SCRIPT = path.join(ROOT_DIR, 'scripts/cluster.mjs');

function runCluster(args: string[], env: Record<string, string>) {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name === 'NODE_OPTIONS' || /^(PORT|HOST|DATABASE_URL|REDIS_URL|ORION_.*)$/.test(name)) continue;
    base[name] = value;
  }
  const child = spawn(process.execPath, [SCRIPT, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = async (text: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!out.includes(text)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no "${text}" in the output of npm run cluster:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, output: () => out, exited, waitFor };
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe('npm run cluster', () => {
  const { url: databaseUrl, schema } = freshPostgresUrl();
  let logs: string | undefined;
  let running: ReturnType<typeof runCluster> | undefined;

  afterAll(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGINT');
      await running.exited;
    }
    await removeDir(logs);
    await dropPostgresSchema(schema);
  });

  it('refuses a bad option with its usage', async () => {
    const bad = runCluster(['--instances', 'zero'], {});
    expect((await bad.exited).code).toBe(2);
    expect(bad.output()).toContain('--instances must be a whole number');
    expect(bad.output()).toContain('Usage: npm run cluster');
  });

  it('starts HAProxy in front of the instances, prints the URL and the first admin key, and Ctrl-C stops it all', { timeout: 90_000 }, async () => {
    logs = await makeTempDir('orion-cluster-logs-');
    const [port, statsPort, first] = [await freePort(), await freePort(), await freePort()];
    // Two consecutive instance ports.
    const second = first + 1;
    running = runCluster(
      ['--instances', '2', '--port', String(port), '--stats-port', String(statsPort), '--first-instance-port', String(first), '--logs', logs],
      { DATABASE_URL: databaseUrl, REDIS_URL: SHARED_REDIS_URL, LOG_LEVEL: 'warn', ORION_DATA_DIR: logs },
    );
    await running.waitFor('Ctrl-C stops everything');
    const out = running.output();
    const url = `http://127.0.0.1:${port}`;
    expect(out).toContain(`URL:        ${url}`);
    expect(out).toContain(`orion1 127.0.0.1:${first}, orion2 127.0.0.1:${second}`);
    const secretFile = path.join(logs, 'cluster-secret.key');
    expect(out).toContain(`ORION_SECRET_KEY is not set: generated into ${secretFile} (kept for later runs)`);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    const adminKey = /admin API key \(shown once, never stored\):\s+(orn_live_\S+)/.exec(out)?.[1];
    expect(adminKey).toBeDefined();

    // The one URL serves both protocols, and every instance is behind it.
    const auth = { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' };
    const created = await fetch(`${url}/v1/agents`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Through the cluster' }) });
    expect(created.status).toBe(201);
    const viaGraphql = await fetch(`${url}/graphql`, { method: 'POST', headers: auth, body: JSON.stringify({ query: '{ agents(first: 5) { nodes { name } } }' }) });
    expect((await viaGraphql.json()).data.agents.nodes).toEqual([{ name: 'Through the cluster' }]);
    const stats = await (await fetch(`http://127.0.0.1:${statsPort}/;csv`)).text();
    expect(stats).toMatch(/^orion,orion1,(?:[^,]*,){15}UP,/m);
    expect(stats).toMatch(/^orion,orion2,(?:[^,]*,){15}UP,/m);

    running.child.kill('SIGINT');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(running.output()).toContain('cluster: stopped');
    expect(await Promise.all([port, statsPort, first, second].map(listening))).toEqual([false, false, false, false]);

    // Again, on the same database: the same secret key, no new admin key, the data still there.
    running = runCluster(
      ['--instances', '1', '--port', String(port), '--stats-port', String(statsPort), '--first-instance-port', String(first), '--logs', logs],
      { DATABASE_URL: databaseUrl, REDIS_URL: SHARED_REDIS_URL, LOG_LEVEL: 'warn', ORION_DATA_DIR: logs },
    );
    await running.waitFor('Ctrl-C stops everything');
    expect(running.output()).toContain(`ORION_SECRET_KEY is not set: read from ${secretFile}`);
    expect(running.output()).not.toContain('admin API key (shown once');
    const again = await fetch(`${url}/v1/agents`, { headers: auth });
    expect((await again.json()).data.items.map((a: { name: string }) => a.name)).toEqual(['Through the cluster']);
    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
  });
});
