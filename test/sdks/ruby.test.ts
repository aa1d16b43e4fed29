// The Ruby SDK (sdks/ruby, gem `orionos`): its minitest suite runs against a real OrionOS process
// (embedded database in a temp dir, an admin key), and the gem builds, installs offline into a
// temp directory and loads from there.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

const SDK_DIR = path.join(ROOT_DIR, 'sdks/ruby');
const VERSION = /VERSION = "([^"]+)"/.exec(readFileSync(path.join(SDK_DIR, 'lib/orionos/version.rb'), 'utf8'))![1]!;

function run(command: string, args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs: number }) {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? SDK_DIR,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return result;
}

function report(what: string, result: SpawnSyncReturns<string>): string {
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    return `${what}: ${missing ? 'not installed (Debian: apt-get install ruby)' : result.error.message}`;
  }
  return `${what} exited with ${result.status ?? result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

function expectSuccess(what: string, result: SpawnSyncReturns<string>): void {
  if (result.error || result.status !== 0) expect.fail(report(what, result));
}

describe('Ruby SDK', () => {
  let server: StartedServer;
  let dataDir: string;
  let tempDir: string;

  beforeAll(async () => {
    dataDir = await makeTempDir('orion-sdk-ruby-data-');
    tempDir = await makeTempDir('orion-sdk-ruby-');
    server = await startServer(
      await serverEnv({
        ORION_DATA_DIR: dataDir,
        ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
        // The webhook test receives a real delivery on a loopback port.
        ORION_ALLOW_PRIVATE_NETWORKS: 'true',
        ANONYMOUS_RATE_LIMIT_PER_MINUTE: '10000',
      }),
    );
  });

  afterAll(async () => {
    await killAllServers();
    await removeDir(dataDir);
    await removeDir(tempDir);
  });

  it('passes its minitest suite against a live server', () => {
    const result = run('ruby', ['-Ilib', 'test/all.rb'], {
      env: { ORION_BASE_URL: `${server.url.replace(/\/+$/, '')}/v1`, ORION_ADMIN_KEY: PROCESS_ADMIN_KEY },
      timeoutMs: 150_000,
    });
    expectSuccess('ruby -Ilib test/all.rb', result);
    expect(result.stdout).toMatch(/\d+ runs, \d+ assertions, 0 failures, 0 errors, 0 skips/);
  }, 180_000);

  it('builds with gem build, installs offline and loads from the installed gem', () => {
    const gemFile = path.join(tempDir, `orionos-${VERSION}.gem`);
    expectSuccess('gem build', run('gem', ['build', 'orionos.gemspec', '--output', gemFile], { timeoutMs: 60_000 }));
    const home = path.join(tempDir, 'gems');
    expectSuccess(
      'gem install',
      run('gem', ['install', '--local', '--no-document', '--install-dir', home, gemFile], { timeoutMs: 60_000 }),
    );
    const loaded = run(
      'ruby',
      ['-e', 'require "orionos"; print [OrionOS::VERSION, $LOADED_FEATURES.grep(/orionos\\/client/).first].join(" ")'],
      { cwd: tempDir, env: { GEM_HOME: home, GEM_PATH: home }, timeoutMs: 30_000 },
    );
    expectSuccess('ruby -e require "orionos"', loaded);
    const [version, file] = loaded.stdout.split(' ');
    expect(version).toBe(VERSION);
    expect(file?.startsWith(home)).toBe(true);
  }, 120_000);
});
