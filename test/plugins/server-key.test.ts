// The server key sealing agents' tool secrets: ORION_SECRET_KEY, else (embedded database only) one
// generated into the data directory once and read back on every later start; with PostgreSQL none.
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { SERVER_KEY_FILE, resolveServerKey } from '../../src/services/server-key.js';
import { storedToolSecret } from '../support/tools.js';
import { PROCESS_ADMIN_KEY, api, killAllServers, makeTempDir, removeDir, serverEnv, startServer } from '../support/server-process.js';

const dirs: string[] = [];
afterAll(async () => {
  await killAllServers();
  await Promise.all(dirs.map((dir) => removeDir(dir)));
});
const tempDir = async () => {
  const dir = await makeTempDir('orion-server-key-');
  dirs.push(dir);
  return dir;
};

describe('resolveServerKey', () => {
  it('ORION_SECRET_KEY wins, and is checked at start-up (at least 32 characters)', async () => {
    const dataDir = await tempDir();
    const secretKey = 'k'.repeat(40);
    expect(resolveServerKey(loadConfig({ ORION_DATA_DIR: dataDir, ORION_SECRET_KEY: secretKey }))).toBe(secretKey);
    expect(() => loadConfig({ ORION_SECRET_KEY: 'short' })).toThrow('ORION_SECRET_KEY must be at least 32 characters');
    await expect(stat(path.join(dataDir, SERVER_KEY_FILE))).rejects.toThrow();
  });

  it('the embedded database: generated once into the data directory (mode 0600), the same on every later call', async () => {
    const dataDir = await tempDir();
    const config = loadConfig({ ORION_DATA_DIR: dataDir });
    const first = resolveServerKey(config)!;
    expect(first.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dataDir, SERVER_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(resolveServerKey(config)).toBe(first);
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
  });

  it('a file that holds no key stops start-up with a clear error instead of being replaced', async () => {
    const dataDir = await tempDir();
    await writeFile(path.join(dataDir, SERVER_KEY_FILE), 'short\n');
    expect(() => resolveServerKey(loadConfig({ ORION_DATA_DIR: dataDir }))).toThrow(/holds no server key.*ORION_SECRET_KEY/);
  });

  it('PostgreSQL without ORION_SECRET_KEY: none (never a key of one instance), and no file is written', async () => {
    const dataDir = await tempDir();
    expect(resolveServerKey(loadConfig({ ORION_DATA_DIR: dataDir, DATABASE_URL: 'postgresql://localhost/x' }))).toBeUndefined();
    await expect(stat(path.join(dataDir, SERVER_KEY_FILE))).rejects.toThrow();
  });
});

describe('the server process on the embedded database', () => {
  it('keeps the generated key across a restart: a secret sealed before it still opens after', async () => {
    const dataDir = await tempDir();
    const env = await serverEnv({ ORION_DATA_DIR: dataDir, ORION_ADMIN_KEY: PROCESS_ADMIN_KEY });
    const first = await startServer(env);
    const agent = (await api(first.url, PROCESS_ADMIN_KEY, 'POST', '/v1/agents', { name: 'Signer' })).body.data;
    const created = await api(first.url, PROCESS_ADMIN_KEY, 'POST', `/v1/agents/${agent.id}/tools`, {
      name: 'lookup',
      description: 'Looks up.',
      parameters: { type: 'object' },
      url: 'https://tools.example.com/lookup',
    });
    expect(created.status).toBe(201);
    const secret = created.body.data.signingSecret as string;
    expect(secret).toMatch(/^whsec_/);
    // The key never reaches the logs, nor does the secret.
    const logged = JSON.stringify(first.logLines());
    const key = (await readFile(path.join(dataDir, SERVER_KEY_FILE), 'utf8')).trim();
    expect(logged).not.toContain(key);
    expect(logged).not.toContain(secret);
    await first.stop('SIGTERM');

    const second = await startServer(env);
    const listed = await api(second.url, PROCESS_ADMIN_KEY, 'GET', `/v1/agents/${agent.id}/tools`);
    expect(listed.body.data.items.map((t: { name: string }) => t.name)).toEqual(['lookup']);
    await second.stop('SIGTERM');
    expect((await readFile(path.join(dataDir, SERVER_KEY_FILE), 'utf8')).trim()).toBe(key);

    // What the first run sealed opens with the key the second run used.
    const db = await openDatabase({ kind: 'pglite', dataDir });
    try {
      expect(await storedToolSecret(db.prisma, resolveServerKey(loadConfig({ ORION_DATA_DIR: dataDir })), agent.id)).toBe(secret);
    } finally {
      await db.close();
    }
  }, 120_000);
});
