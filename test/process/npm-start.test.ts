// `npm start` runs the bundle `npm install` built, and builds again only when a source changed.
import { readFile, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isBuildFresh } from '../../scripts/build.mjs';
import {
  PROCESS_ADMIN_KEY,
  ROOT_DIR,
  killAllServers,
  makeTempDir,
  removeDir,
  serverEnv,
  startServer,
} from '../support/server-process.js';

const stamp = path.join(ROOT_DIR, 'dist/.built');
const bundle = path.join(ROOT_DIR, 'dist/server.js');
let dataDir: string | undefined;

afterAll(async () => {
  await killAllServers();
  await removeDir(dataDir);
});

describe('npm start', () => {
  it('npm install builds, npm start runs the start script', async () => {
    const { scripts } = JSON.parse(await readFile(path.join(ROOT_DIR, 'package.json'), 'utf8'));
    expect(scripts.postinstall).toMatch(/node scripts\/build\.mjs/);
    expect(scripts.start).toBe('node scripts/start.mjs');
  });

  // The test set-up built dist/ from the sources as they are.
  it('serves from the built bundle without rebuilding it when no source changed', async () => {
    expect(await isBuildFresh()).toBe(true);
    const before = await stat(bundle);
    dataDir = await makeTempDir();
    const server = await startServer(await serverEnv({ ORION_DATA_DIR: dataDir, ORION_ADMIN_KEY: PROCESS_ADMIN_KEY }), {
      startScript: true,
    });
    const res = await fetch(`${server.url}/v1/agents`, { headers: { Authorization: `Bearer ${PROCESS_ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    const after = await stat(bundle);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  }, 60_000);

  it('takes dist/ for stale once a source is newer than its last build', async () => {
    const built = await stat(stamp);
    const source = await stat(path.join(ROOT_DIR, 'src/server.ts'));
    // As if src/server.ts had been edited after the build: the build is older than it.
    const earlier = new Date(source.mtimeMs - 60_000);
    await utimes(stamp, earlier, earlier);
    try {
      expect(await isBuildFresh()).toBe(false);
    } finally {
      await utimes(stamp, built.atime, built.mtime);
    }
    expect(await isBuildFresh()).toBe(true);
  });
});
