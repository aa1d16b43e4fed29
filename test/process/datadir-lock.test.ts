// One process per embedded data directory: a second server on the same ORION_DATA_DIR refuses to
// start, clearly, and leaves the first one (and its lock) alone.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../../src/db/datadir-lock.js';
import {
  PROCESS_ADMIN_KEY,
  api,
  killAllServers,
  makeTempDir,
  removeDir,
  serverEnv,
  spawnServer,
  startServer,
} from '../support/server-process.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await makeTempDir('orion-lock-test-');
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await killAllServers();
  await Promise.all(dirs.map((dir) => removeDir(dir)));
});

describe('two server processes on one embedded data directory', () => {
  it('the second exits 1 with one clear line; the first keeps serving', async () => {
    const dataDir = await tempDir();
    const env = { ORION_DATA_DIR: dataDir, ORION_ADMIN_KEY: PROCESS_ADMIN_KEY };
    const first = await startServer(await serverEnv(env));
    const lockPath = path.join(dataDir, 'orion.lock');
    expect(readFileSync(lockPath, 'utf8')).toBe(String(first.pid));

    const second = spawnServer(await serverEnv(env));
    const exit = await second.exited;
    expect(exit).toEqual({ code: 1, signal: null });

    const stderrLines = second.stderr().split('\n').filter((l) => l.trim() !== '');
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toContain('in use by another process');
    expect(stderrLines[0]).toContain(dataDir);
    expect(stderrLines[0]).toContain(`pid ${first.pid}`);
    expect(second.logLines().some((r) => r.msg === 'OrionOS is listening')).toBe(false);

    // The refused process did not take (or remove) the lock.
    expect(readFileSync(lockPath, 'utf8')).toBe(String(first.pid));
    expect(first.child.exitCode).toBeNull();
    const res = await api(first.url, PROCESS_ADMIN_KEY, 'GET', '/v1/agents');
    expect(res.status).toBe(200);
    const created = await api(first.url, PROCESS_ADMIN_KEY, 'POST', '/v1/agents', { name: 'Still here' });
    expect(created.status).toBe(201);

    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});

describe('lockDataDir', () => {
  it('refuses a directory locked by a live process, naming it', async () => {
    const dataDir = await tempDir();
    // The test runner's parent process is alive and is not this process.
    writeFileSync(path.join(dataDir, 'orion.lock'), String(process.ppid));
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dataDir)).toThrow(`in use by another process (pid ${process.ppid})`);
    expect(readFileSync(path.join(dataDir, 'orion.lock'), 'utf8')).toBe(String(process.ppid));
  });

  it('takes over a lock left by a process that no longer runs, and releases it', async () => {
    const dataDir = await tempDir();
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = dead.pid!;
    await new Promise((resolve) => dead.once('exit', resolve));
    const lockPath = path.join(dataDir, 'orion.lock');
    writeFileSync(lockPath, String(deadPid));

    const release = lockDataDir(dataDir);
    expect(readFileSync(lockPath, 'utf8')).toBe(String(process.pid));
    release();
    expect(() => readFileSync(lockPath)).toThrow(/ENOENT/);
    // Free again.
    lockDataDir(dataDir)();
  });
});
