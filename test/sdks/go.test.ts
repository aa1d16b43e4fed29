// The Go SDK (sdks/go): its packaging checks (go vet, gofmt, the generated files match the live
// /v1/openapi.json) and its own tests (`go test`) against a real OrionOS process: embedded
// database in a temp dir, an admin key, loopback webhook endpoints allowed. A failure shows the
// Go tool's output.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROCESS_ADMIN_KEY,
  ROOT_DIR,
  killAllServers,
  makeTempDir,
  removeDir,
  serverEnv,
  startServer,
  type StartedServer,
} from '../support/server-process.js';

const SDK_DIR = path.join(ROOT_DIR, 'sdks/go');
const GENERATED = ['models.go', 'operations.go', 'operations_table.go'];

let server: StartedServer;
let dataDir: string | undefined;
let scratch: string | undefined;

type Run = { code: number | null; output: string };

/** Runs a command, never throwing: its exit code and its stdout and stderr together. */
function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: { ...goEnv(), ...options.env }, timeout: options.timeoutMs, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        const reason = error && typeof error.code !== 'number' ? `\n${error.message}` : '';
        resolve({ code, output: `${stdout}${stderr}${reason}` });
      },
    );
  });
}

/** Offline and reproducible: no module proxy, no toolchain download, no workspace file. */
function goEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  env.GOPROXY = 'off';
  env.GOFLAGS = '';
  env.GOWORK = 'off';
  env.GOTOOLCHAIN = 'local';
  env.GO111MODULE = 'on';
  if (!env.HOME && !env.GOCACHE) env.GOCACHE = path.join(scratch ?? ROOT_DIR, 'gocache');
  return env;
}

function expectSuccess(result: Run, what: string): void {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.output}`);
}

beforeAll(async () => {
  scratch = await makeTempDir('orion-sdk-go-');
  dataDir = await makeTempDir('orion-sdk-go-data-');
  server = await startServer(
    await serverEnv({ ORION_DATA_DIR: dataDir, ORION_ADMIN_KEY: PROCESS_ADMIN_KEY, ORION_ALLOW_PRIVATE_NETWORKS: 'true' }),
  );
}, 120_000);

afterAll(async () => {
  await killAllServers();
  await removeDir(dataDir);
  await removeDir(scratch);
});

describe('the Go SDK (sdks/go)', () => {
  it('go vet ./... is clean and gofmt finds nothing to change', async () => {
    expectSuccess(await run('go', ['vet', './...'], { cwd: SDK_DIR, timeoutMs: 180_000 }), 'go vet ./...');
    const gofmt = await run('gofmt', ['-l', '.'], { cwd: SDK_DIR, timeoutMs: 60_000 });
    expectSuccess(gofmt, 'gofmt -l .');
    expect(gofmt.output.trim(), 'files gofmt would change').toBe('');
  }, 240_000);

  it('its generated models and methods are those of the live /v1/openapi.json', async () => {
    const spec = await (await fetch(`${server.url}/v1/openapi.json`)).text();
    const dir = path.join(scratch!, 'gen');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'openapi.json'), spec);
    expectSuccess(
      await run('python3', [path.join(SDK_DIR, 'internal/gen/gen.py'), 'openapi.json'], { cwd: dir, timeoutMs: 60_000 }),
      'internal/gen/gen.py',
    );
    expectSuccess(await run('gofmt', ['-w', ...GENERATED], { cwd: dir, timeoutMs: 60_000 }), 'gofmt -w');
    for (const file of GENERATED) {
      const fresh = await readFile(path.join(dir, file), 'utf8');
      const committed = await readFile(path.join(SDK_DIR, file), 'utf8');
      expect(committed, `sdks/go/${file} is stale: run internal/gen/gen.py on /v1/openapi.json`).toBe(fresh);
    }
  }, 120_000);

  it('go test passes against a live OrionOS (CRUD, send, stream, pages, errors, retries, webhooks, quick start, contract)', async () => {
    const result = await run('go', ['test', '-count=1', '-v', './...'], {
      cwd: SDK_DIR,
      env: {
        ORION_BASE_URL: `${server.url}/v1`,
        ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
        ORION_ALLOW_PRIVATE_NETWORKS: 'true',
      },
      timeoutMs: 240_000,
    });
    expectSuccess(result, 'go test ./...');
    // Every test ran: none skipped for want of a server.
    expect(result.output, result.output).not.toContain('--- SKIP');
    for (const name of [
      'TestContractEveryOperationHasAMethod',
      'TestReadmeQuickStart',
      'TestStreamMessage',
      'TestPagination',
      'TestTypedErrors',
      'TestRetryHonoursRetryAfterWithTheSameIdempotencyKey',
      'TestVerifyWebhook',
      'TestVerifyARealDelivery',
      'TestStreamErrorsAreTyped',
    ]) {
      expect(result.output, result.output).toContain(`--- PASS: ${name} `);
    }
  }, 300_000);
});
