import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/openapi/document.js';
import { PROJECT_ROOT } from '../../src/paths.js';

const run = promisify(execFile);
const bin = (file: string) => path.join(PROJECT_ROOT, 'node_modules', file);

let dir: string;
let documentFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orion-openapi-lint-'));
  documentFile = path.join(dir, 'openapi.json');
  await writeFile(documentFile, JSON.stringify(buildOpenApiDocument(), null, 2));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Outcome = { code: number; stdout: string; stderr: string };

/** Runs a linter's CLI with node; a non-zero exit is an outcome, not an exception. */
async function lint(args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, {
      cwd: PROJECT_ROOT,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

describe('the OpenAPI document, linted', () => {
  // Both linters run at once: together about 11 s of CPU.
  it('has no error and no warning from Redocly CLI (redocly.yaml) nor Spectral (.spectral.yaml)', async () => {
    const spectralReport = path.join(dir, 'spectral.json');
    const [redocly, spectral] = await Promise.all([
      lint([bin('@redocly/cli/bin/cli.js'), 'lint', '--config', 'redocly.yaml', '--format=json', documentFile]),
      lint([bin('@stoplight/spectral-cli/dist/index.js'), 'lint', '--ruleset', '.spectral.yaml', '--format', 'json', '--fail-severity', 'hint', '--output', spectralReport, documentFile]),
    ]);

    const redoclyReport = JSON.parse(redocly.stdout.slice(redocly.stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }>;
    };
    const spectralResults = JSON.parse(await readFile(spectralReport, 'utf8').catch(() => '[]')) as Array<{ code: string; message: string; path: string[] }>;
    const findings = [
      ...redoclyReport.problems.map((p) => `redocly ${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`),
      ...spectralResults.map((r) => `spectral ${r.code}: ${r.message} at #/${r.path.join('/')}`),
    ];
    expect(findings).toEqual([]);
    expect(redoclyReport.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(redocly.code, redocly.stderr).toBe(0);
    expect(spectral.code, `${spectral.stdout}\n${spectral.stderr}`).toBe(0);
  }, 180_000);
});
