// Start-up of the real process: a port in use fails in one line, `.env` is read (the real
// environment wins), and the log says where everything is, metrics included.
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import {
  PROCESS_ADMIN_KEY,
  freePort,
  killAllServers,
  makeTempDir,
  removeDir,
  serverEnv,
  spawnServer,
  startServer,
  type ServerProcess,
} from '../support/server-process.js';

const schemas: string[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await killAllServers();
  await Promise.all(schemas.map((schema) => dropPostgresSchema(schema)));
  await Promise.all(dirs.map((dir) => removeDir(dir)));
});

function freshDatabase(): string {
  const { url, schema } = freshPostgresUrl();
  schemas.push(schema);
  return url;
}

/** Another process's listener on a loopback port, for the length of `fn`. */
async function withPortTaken<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()));
  try {
    return await fn((squatter.address() as net.AddressInfo).port);
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
}

/** It exits (never listening) with code 1 and exactly `line` on stderr. */
async function expectFailsWith(server: ServerProcess, line: string): Promise<void> {
  expect(await server.exited).toEqual({ code: 1, signal: null });
  expect(server.stderr().split('\n').filter((l) => l.trim() !== '')).toEqual([line]);
  expect(server.logLines().some((l) => l.msg === 'OrionOS is listening')).toBe(false);
}

// Regression: Express's listen() calls back on errors too, so the server said it was listening,
// then exited 0 a while later without a word.
describe('a port in use (server process)', () => {
  it('npm start: "port N is in use; set PORT", exit 1', async () => {
    await withPortTaken(async (port) => {
      const server = spawnServer(
        await serverEnv({ PORT: String(port), DATABASE_URL: freshDatabase(), ORION_ADMIN_KEY: PROCESS_ADMIN_KEY }),
      );
      await expectFailsWith(server, `orion: port ${port} is in use; set PORT`);
    });
  });

  it('orion serve: the same line, exit 1', async () => {
    await withPortTaken(async (port) => {
      const server = spawnServer(
        await serverEnv({ PORT: String(port), DATABASE_URL: freshDatabase(), ORION_ADMIN_KEY: PROCESS_ADMIN_KEY }),
        { orionServe: true },
      );
      await expectFailsWith(server, `orion: port ${port} is in use; set PORT`);
    });
  }, 60_000); // The CLI compiles its TypeScript as it loads.

  it('METRICS_PORT: "port N is in use; set METRICS_PORT", exit 1', async () => {
    await withPortTaken(async (port) => {
      const server = spawnServer(
        await serverEnv({ METRICS_PORT: String(port), DATABASE_URL: freshDatabase(), ORION_ADMIN_KEY: PROCESS_ADMIN_KEY }),
      );
      await expectFailsWith(server, `orion: port ${port} is in use; set METRICS_PORT`);
    });
  });
});

describe('.env in the working directory (server process)', () => {
  it('sets what the environment leaves unset; the environment wins', async () => {
    const dir = await makeTempDir('orion-dotenv-test-');
    dirs.push(dir);
    const [fromFile, fromEnvironment] = [await freePort(), await freePort()];
    await writeFile(
      path.join(dir, '.env'),
      [
        '# as in .env.example',
        `PORT=${fromFile}`,
        'HOST=127.0.0.1',
        `DATABASE_URL="${freshDatabase()}"`,
        `ORION_ADMIN_KEY=${PROCESS_ADMIN_KEY}`,
        `ORION_SECRET_KEY=${'s'.repeat(40)}`,
        'LOG_LEVEL=info',
        '',
      ].join('\n'),
    );
    const fromDotEnv = await startServer({}, { cwd: dir });
    expect(new URL(fromDotEnv.url).port).toBe(String(fromFile));
    const agents = await fetch(`${fromDotEnv.url}/v1/agents`, { headers: { Authorization: `Bearer ${PROCESS_ADMIN_KEY}` } });
    expect(agents.status).toBe(200);
    await fromDotEnv.stop();

    const overridden = await startServer({ PORT: String(fromEnvironment) }, { cwd: dir });
    expect(new URL(overridden.url).port).toBe(String(fromEnvironment));
    await overridden.stop();

    // LOG_LEVEL from the environment wins too: at warn, not even the listening line is logged.
    const quiet = spawnServer({ PORT: String(fromEnvironment), LOG_LEVEL: 'warn' }, { cwd: dir });
    const reachable = await (async () => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const ok = await fetch(`http://127.0.0.1:${fromEnvironment}/healthz`).then((r) => r.ok, () => false);
        if (ok) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    })();
    expect(reachable).toBe(true);
    expect(quiet.logLines()).toEqual([]);
    await quiet.stop();
  });
});

describe('the start-up log (server process)', () => {
  it('names GraphiQL, the reference page and the OpenAPI document, and says metrics are off', async () => {
    const server = await startServer(await serverEnv({ DATABASE_URL: freshDatabase(), ORION_ADMIN_KEY: PROCESS_ADMIN_KEY }));
    const listening = server.logLines().find((l) => l.msg === 'OrionOS is listening')!;
    expect(listening).toMatchObject({
      url: server.url,
      graphql: `${server.url}/graphql`,
      docs: `${server.url}/docs`,
      openapi: `${server.url}/v1/openapi.json`,
    });
    for (const page of ['graphql', 'docs', 'openapi'] as const) {
      const res = await fetch(String(listening[page]), { headers: { Accept: 'text/html' } });
      expect(res.status, page).toBe(200);
    }
    // The built server serves GraphiQL's bundle itself (kept outside dist/, loaded on first use).
    const graphiqlPage = await (await fetch(String(listening.graphql), { headers: { Accept: 'text/html' } })).text();
    const assets = [...graphiqlPage.matchAll(/(?:src|href)="(\/graphiql\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      const res = await fetch(`${server.url}${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    // /metrics without METRICS_TOKEN: refused on the API port, and the log says how to turn it on.
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(404);
    expect(await metrics.text()).not.toContain('orion_');
    expect(server.logLines().find((l) => String(l.msg).startsWith('metrics are off'))?.msg).toMatch(/METRICS_TOKEN.*METRICS_PORT/);
    await server.stop();
  });

  // CI runs these tests on more than one Node.js (see .ci/run): the server must run on the Node
  // under test (the test runner's own) and say which one, so the CI log shows it.
  it('names the Node.js version it runs on: the one running the tests', async () => {
    const server = await startServer(await serverEnv({ DATABASE_URL: freshDatabase(), ORION_ADMIN_KEY: PROCESS_ADMIN_KEY }));
    const listening = server.logLines().find((l) => l.msg === 'OrionOS is listening')!;
    expect(listening.node).toBe(process.version);
    console.log(`the server process ran on Node.js ${String(listening.node)}`);
    await server.stop();
  });

  it('with METRICS_TOKEN: /metrics on the API port behind it, and the log says so', async () => {
    const token = 'metrics-token-for-start-up-test-0123';
    const server = await startServer(
      await serverEnv({ DATABASE_URL: freshDatabase(), ORION_ADMIN_KEY: PROCESS_ADMIN_KEY, METRICS_TOKEN: token }),
    );
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(server.logLines().find((l) => l.msg === 'metrics are served behind METRICS_TOKEN')).toMatchObject({
      url: `${server.url}/metrics`,
    });
    await server.stop();
  });
});
