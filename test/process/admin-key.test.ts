// ORION_ADMIN_KEY across restarts of the real server: the environment's key is known by its hash,
// never by its name, so rotating it through the API sticks, a tenant's key that happens to be
// named ORION_ADMIN_KEY is left alone, and changing or removing the variable revokes the old key.
import { afterAll, describe, expect, it } from 'vitest';
import {
  PROCESS_ADMIN_KEY,
  api,
  killAllServers,
  makeTempDir,
  removeDir,
  serverEnv,
  startServer,
  type StartedServer,
} from '../support/server-process.js';

const NEW_ADMIN_KEY = `orn_test_process_${'n'.repeat(31)}`;
const THIRD_ADMIN_KEY = `orn_test_process_${'t'.repeat(31)}`;
const PRINTED_KEY = /orn_live_[A-Za-z0-9_-]{43}/g;

// Several starts of the built server per test: bounded, but slower than one start on a busy machine.
describe('ORION_ADMIN_KEY across restarts (embedded database)', { timeout: 120_000 }, () => {
  let dataDir: string;
  /** The operator's key made by rotating the environment's key through the API. */
  let rotated: { id: string; secret: string };
  let envKeyId: string;
  let tenant: { key: string; namedLikeEnv: string };

  afterAll(async () => {
    await killAllServers();
    await removeDir(dataDir);
  });

  async function start(adminKey: string | undefined): Promise<StartedServer> {
    return startServer(await serverEnv({ ORION_DATA_DIR: dataDir, ORION_ADMIN_KEY: adminKey }));
  }
  const status = async (server: StartedServer, key: string, path = '/v1/accounts') => (await api(server.url, key, 'GET', path)).status;

  it('rotating the environment key through the API sticks across a restart; a tenant key named ORION_ADMIN_KEY is untouched', async () => {
    dataDir = await makeTempDir();
    const first = await start(PROCESS_ADMIN_KEY);
    const account = await api(first.url, PROCESS_ADMIN_KEY, 'POST', '/v1/accounts', { name: 'Tenant' });
    expect(account.status).toBe(201);
    const named = await api(first.url, account.body.data.secret, 'POST', '/v1/api-keys', { name: 'ORION_ADMIN_KEY', scopes: ['agents:read'] });
    expect(named.status).toBe(201);
    tenant = { key: account.body.data.secret, namedLikeEnv: named.body.data.secret };
    const keys = await api(first.url, PROCESS_ADMIN_KEY, 'GET', '/v1/api-keys');
    envKeyId = keys.body.data.items.find((k: { name: string }) => k.name === 'ORION_ADMIN_KEY').id;
    const rotation = await api(first.url, PROCESS_ADMIN_KEY, 'POST', `/v1/api-keys/${envKeyId}/rotate`, { gracePeriodSeconds: 3600 });
    expect(rotation.status).toBe(201);
    rotated = { id: rotation.body.data.apiKey.id, secret: rotation.body.data.secret };
    const graceEnd = rotation.body.data.previousKey.expiresAt;
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const second = await start(PROCESS_ADMIN_KEY);
    expect(await status(second, rotated.secret)).toBe(200);
    expect(await status(second, tenant.namedLikeEnv, '/v1/agents')).toBe(200);
    const after = (await api(second.url, rotated.secret, 'GET', '/v1/api-keys')).body.data.items;
    // The old secret keeps its grace period (it is not brought back for good); the new key stays.
    expect(after.find((k: { id: string }) => k.id === envKeyId)).toMatchObject({ expiresAt: graceEnd, revokedAt: null });
    expect(after.find((k: { id: string }) => k.id === rotated.id)).toMatchObject({ expiresAt: null, revokedAt: null });
    expect(second.logLines().some((r) => /ORION_ADMIN_KEY names a key that was revoked or rotated/.test(String(r.msg)))).toBe(true);
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('a new ORION_ADMIN_KEY revokes the old one and no other key', async () => {
    expect(rotated).toBeDefined();
    const server = await start(NEW_ADMIN_KEY);
    expect(await status(server, NEW_ADMIN_KEY)).toBe(200);
    expect(await status(server, PROCESS_ADMIN_KEY)).toBe(401);
    expect(await status(server, rotated.secret)).toBe(200);
    expect(await status(server, tenant.namedLikeEnv, '/v1/agents')).toBe(200);
    expect(await status(server, tenant.key, '/v1/agents')).toBe(200);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('without ORION_ADMIN_KEY the key it named is revoked; other admin keys stay, so no key is printed', async () => {
    const server = await start(undefined);
    expect(await status(server, NEW_ADMIN_KEY)).toBe(401);
    expect(await status(server, rotated.secret)).toBe(200);
    expect(await status(server, tenant.namedLikeEnv, '/v1/agents')).toBe(200);
    expect(server.stdout()).not.toMatch(PRINTED_KEY);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('without ORION_ADMIN_KEY and no admin key left, a first admin key is printed', async () => {
    const withEnv = await start(THIRD_ADMIN_KEY);
    const revoked = await api(withEnv.url, THIRD_ADMIN_KEY, 'DELETE', `/v1/api-keys/${rotated.id}`);
    expect(revoked.status).toBe(200);
    expect(await withEnv.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const server = await start(undefined);
    expect(await status(server, THIRD_ADMIN_KEY)).toBe(401);
    const printed = server.stdout().match(PRINTED_KEY) ?? [];
    expect(printed).toHaveLength(1);
    expect(await status(server, printed[0]!)).toBe(200);
    expect(await status(server, tenant.namedLikeEnv, '/v1/agents')).toBe(200);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
