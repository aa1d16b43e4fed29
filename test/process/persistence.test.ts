// The real server process keeps what it was given across a clean shutdown and a restart, on both
// kinds of storage.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropPostgresSchema, freshPostgresUrl, type Storage } from '../support/app.js';
import {
  PROCESS_ADMIN_KEY,
  api,
  killAllServers,
  makeTempDir,
  removeDir,
  serverEnv,
  startServer,
} from '../support/server-process.js';

afterEach(killAllServers);

describe.each<Storage>(['pglite', 'postgres'])('persistence across restarts (%s)', (storage) => {
  let dataDir: string | undefined;
  let schema: string | undefined;
  let postgresUrl = '';

  afterAll(async () => {
    await killAllServers();
    await removeDir(dataDir);
    if (schema) await dropPostgresSchema(schema);
  });

  async function storageEnv(): Promise<Record<string, string>> {
    if (storage === 'pglite') {
      dataDir ??= await makeTempDir();
      return { ORION_DATA_DIR: dataDir };
    }
    if (!schema) {
      const fresh = freshPostgresUrl();
      schema = fresh.schema;
      postgresUrl = fresh.url;
    }
    return { DATABASE_URL: postgresUrl };
  }

  it('serves an agent created before a SIGTERM after starting again', async () => {
    const env = { ...(await storageEnv()), ORION_ADMIN_KEY: PROCESS_ADMIN_KEY };

    const first = await startServer(await serverEnv(env));
    const listening = first.logLines().find((r) => r.msg === 'OrionOS is listening');
    expect(listening?.database).toBe(storage);

    const created = await api(first.url, PROCESS_ADMIN_KEY, 'POST', '/v1/agents', {
      name: 'Persisted',
      metadata: { a: 'b' },
    });
    expect(created.status).toBe(201);
    expect(created.body.success).toBe(true);
    const agent = created.body.data;
    expect(agent).toMatchObject({ name: 'Persisted', metadata: { a: 'b' } });
    expect(agent.id).toMatch(/^agt_/);

    const firstExit = await first.stop('SIGTERM');
    expect(firstExit).toEqual({ code: 0, signal: null });
    expect(first.logLines().some((r) => r.msg === 'shutting down' && r.signal === 'SIGTERM')).toBe(true);
    if (dataDir) {
      // A clean shutdown releases the data directory.
      expect(existsSync(path.join(dataDir, 'orion.lock'))).toBe(false);
    }

    const second = await startServer(await serverEnv(env));
    // The migrations were applied by the first start only.
    expect(first.logLines().some((r) => r.msg === 'applied database migrations')).toBe(true);
    expect(second.logLines().some((r) => r.msg === 'applied database migrations')).toBe(false);

    const fetched = await api(second.url, PROCESS_ADMIN_KEY, 'GET', `/v1/agents/${agent.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.data).toEqual(agent);

    const listed = await api(second.url, PROCESS_ADMIN_KEY, 'GET', '/v1/agents');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain(agent.id);

    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
