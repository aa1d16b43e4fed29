// Without ORION_ADMIN_KEY, the first start on an empty embedded database prints the first admin key
// once (never logs it); later starts print nothing.
import { afterAll, describe, expect, it } from 'vitest';
import {
  api,
  killAllServers,
  makeTempDir,
  removeDir,
  serverEnv,
  startServer,
} from '../support/server-process.js';

const KEY_PATTERN = /orn_live_[A-Za-z0-9_-]{43}/g;
const ANY_KEY_PATTERN = /orn_live_/;

describe('first start on an empty embedded data directory', () => {
  let dataDir: string;
  let key: string;

  afterAll(async () => {
    await killAllServers();
    await removeDir(dataDir);
  });

  it('prints exactly one working admin key, and never logs it', async () => {
    dataDir = await makeTempDir();
    const server = await startServer(await serverEnv({ ORION_DATA_DIR: dataDir }));

    const keys = server.stdout().match(KEY_PATTERN) ?? [];
    expect(keys).toHaveLength(1);
    key = keys[0]!;
    // The whole key is on its own line: nothing glued to its end.
    expect(server.stdout().split('\n').map((l) => l.trim())).toContain(key);

    const listed = await api(server.url, key, 'GET', '/v1/agents');
    expect(listed.status).toBe(200);
    expect(listed.body.success).toBe(true);
    // And it is an admin key: it may create accounts.
    const account = await api(server.url, key, 'POST', '/v1/accounts', { name: 'Customer' });
    expect(account.status).toBe(201);

    // A wrong key of the same shape is refused, so the 200 above is the key's doing.
    const wrong = `orn_live_${'x'.repeat(43)}`;
    expect((await api(server.url, wrong, 'GET', '/v1/agents')).status).toBe(401);

    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const logLines = server.logLines();
    expect(logLines.some((r) => r.msg === 'OrionOS is listening')).toBe(true);
    expect(logLines.some((r) => r.msg === 'request')).toBe(true); // the requests above were logged
    for (const line of logLines) expect(JSON.stringify(line)).not.toContain(key);
    for (const line of logLines) expect(JSON.stringify(line)).not.toMatch(ANY_KEY_PATTERN);
    expect(server.stderr()).not.toContain(key);
  });

  it('prints no key on the next start, and the printed key still works', async () => {
    expect(key).toBeDefined();
    const server = await startServer(await serverEnv({ ORION_DATA_DIR: dataDir }));
    expect(server.stdout()).not.toMatch(ANY_KEY_PATTERN);
    expect(server.stderr()).not.toMatch(ANY_KEY_PATTERN);
    expect((await api(server.url, key, 'GET', '/v1/agents')).status).toBe(200);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(server.stdout()).not.toMatch(ANY_KEY_PATTERN);
  });
});
