// The Python SDK (sdks/python): its pytest suite against a real OrionOS started here (embedded
// database in a temp dir, an admin key), and its packaging (pip install offline, no build
// isolation, into a temp --target directory, then imported from there).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  killAllServers,
  makeTempDir,
  PROCESS_ADMIN_KEY,
  removeDir,
  ROOT_DIR,
  serverEnv,
  startServer,
  type StartedServer,
} from '../support/server-process.js';

const SDK_DIR = path.join(ROOT_DIR, 'sdks/python');

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }) {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return {
    ok: result.status === 0,
    output: `$ ${command} ${args.join(' ')}\nexit ${result.status ?? result.signal ?? result.error?.message}\n--- stdout\n${result.stdout ?? ''}\n--- stderr\n${result.stderr ?? ''}`,
  };
}

/** Every `python3` on PATH, in order. */
function pythonsOnPath(): string[] {
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'python3');
    try {
      accessSync(candidate, constants.X_OK);
      if (!found.includes(candidate)) found.push(candidate);
    } catch {
      // Not here.
    }
  }
  return found;
}

/**
 * The interpreter to use: ORION_PYTHON if set, else the first python3 on PATH with pytest that can
 * build a setuptools package without network (wheel installed, or setuptools 70.1+), else the
 * first with pytest.
 */
function choosePython(): string {
  if (process.env.ORION_PYTHON) return process.env.ORION_PYTHON;
  const check = `import pytest, setuptools
try:
    import wheel
except ImportError:
    v = tuple(int(x) for x in setuptools.__version__.split(".")[:2])
    assert v >= (70, 1)
`;
  const withPytest: string[] = [];
  for (const python of pythonsOnPath()) {
    if (run(python, ['-c', 'import pytest'], { timeoutMs: 20_000 }).ok) withPytest.push(python);
    else continue;
    if (run(python, ['-c', check], { timeoutMs: 20_000 }).ok) return python;
  }
  return withPytest[0] ?? 'python3';
}

describe('Python SDK', () => {
  let server: StartedServer;
  let dataDir: string;
  let python: string;

  beforeAll(async () => {
    python = choosePython();
    dataDir = await makeTempDir('orion-sdk-python-');
    server = await startServer(
      await serverEnv({
        ORION_DATA_DIR: dataDir,
        ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
        // The webhook test receives a real delivery on a loopback port.
        ORION_ALLOW_PRIVATE_NETWORKS: 'true',
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await killAllServers();
    await removeDir(dataDir);
  });

  it('passes its pytest suite against the live server', () => {
    const result = run(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests'], {
      cwd: SDK_DIR,
      env: {
        ...process.env,
        ORION_BASE_URL: server.url,
        ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
        ORION_API_KEY: '',
        PYTHONDONTWRITEBYTECODE: '1',
      },
      timeoutMs: 150_000,
    });
    if (!result.ok) throw new Error(`the Python SDK tests failed\n${result.output}`);
    expect(result.output).toMatch(/\d+ passed/);
    expect(result.output).not.toMatch(/skipped/);
  }, 180_000);

  it('installs offline with pip (no build isolation) and imports from there', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'orion-sdk-python-pip-'));
    try {
      // A copy, so the build leaves nothing in the repository.
      const source = path.join(work, 'src');
      await cp(SDK_DIR, source, {
        recursive: true,
        filter: (file) => !/(__pycache__|\.egg-info|[\\/]build$|\.pytest_cache)/.test(file),
      });
      const target = path.join(work, 'site');
      const install = run(
        python,
        ['-m', 'pip', 'install', '--no-build-isolation', '--no-index', '--no-deps', '--disable-pip-version-check', '--target', target, source],
        { timeoutMs: 120_000, env: { ...process.env, PIP_NO_INDEX: '1', PIP_CONFIG_FILE: path.join(work, 'none.conf') } },
      );
      if (!install.ok) throw new Error(`pip install failed\n${install.output}`);
      const imported = run(
        python,
        ['-c', 'import orionos, sys; print(orionos.__file__); print(orionos.__version__); assert orionos.OrionOS'],
        { cwd: work, timeoutMs: 20_000, env: { ...process.env, PYTHONPATH: target, PYTHONDONTWRITEBYTECODE: '1' } },
      );
      if (!imported.ok) throw new Error(`the installed package does not import\n${imported.output}`);
      expect(imported.output).toContain(path.join(target, 'orionos', '__init__.py'));
      expect(imported.output).toContain('0.1.0');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 180_000);
});
