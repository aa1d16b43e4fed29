import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, print, visit } from 'graphql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPOSITORY_URL, releaseChangelog, unreleasedEntries } from '../../src/contract/changelog.js';
import { bumpVersion, releaseApi } from '../../src/contract/release.js';
import { readReleased, type Contract } from '../../src/contract/released.js';
import { PROJECT_ROOT } from '../../src/paths.js';

const CHANGELOG = `# Changelog

Intro.

## [Unreleased]

### Added

- A thing.

### Fixed

## [1.0.0] - 2026-11-30

### Added

- Everything.

[Unreleased]: ${REPOSITORY_URL}/compare/v1.0.0...HEAD
[1.0.0]: ${REPOSITORY_URL}/releases/tag/v1.0.0
`;

describe('CHANGELOG.md (Keep a Changelog)', () => {
  it('the entries under Unreleased, without empty sub-headings', () => {
    expect(unreleasedEntries(CHANGELOG)).toBe('### Added\n\n- A thing.');
    expect(unreleasedEntries(CHANGELOG.replace('- A thing.\n', ''))).toBe('');
    expect(() => unreleasedEntries('# Changelog\n')).toThrow(/no "## \[Unreleased\]"/);
  });

  it('a release moves them under the new version and date, leaves Unreleased empty, and adds its compare link', () => {
    expect(releaseChangelog(CHANGELOG, '1.1.0', '1.0.0', '2026-12-24')).toBe(`# Changelog

Intro.

## [Unreleased]

## [1.1.0] - 2026-12-24

### Added

- A thing.

## [1.0.0] - 2026-11-30

### Added

- Everything.

[Unreleased]: ${REPOSITORY_URL}/compare/v1.1.0...HEAD
[1.1.0]: ${REPOSITORY_URL}/compare/v1.0.0...v1.1.0
[1.0.0]: ${REPOSITORY_URL}/releases/tag/v1.0.0
`);
  });

  it('versions: major, minor, patch', () => {
    expect(['major', 'minor', 'patch'].map((b) => bumpVersion('1.4.2', b as 'major'))).toEqual(['2.0.0', '1.5.0', '1.4.3']);
    expect(() => bumpVersion('v1', 'minor')).toThrow(/not a version/);
  });
});

/** `npm run release:api` on a copy of the released contract and of the changelog: never the repository's files. */
describe('releasing the API contract (on a copy in a temp dir)', () => {
  let root: string;
  let released: Contract & { version: string };

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'orion-release-'));
    await cp(path.join(PROJECT_ROOT, 'schema/released'), path.join(root, 'schema/released'), { recursive: true });
    await writeFile(path.join(root, 'CHANGELOG.md'), CHANGELOG);
    // The copy is version 1.0.0, as the changelog above says, whatever the repository has released since.
    await writeFile(path.join(root, 'schema/released/VERSION'), '1.0.0\n');
    released = await readReleased(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const files = async () =>
    Promise.all(['schema/released/schema.graphql', 'schema/released/openapi.json', 'schema/released/VERSION', 'CHANGELOG.md'].map((f) => readFile(path.join(root, f), 'utf8')));
  const withSdl = (sdl: string): Contract => ({ sdl, openapi: released.openapi });
  const date = '2026-12-24';

  it('nothing changed: nothing to release, nothing written', async () => {
    const before = await files();
    expect(await releaseApi({ root, current: withSdl(released.sdl), date })).toEqual({ status: 'unchanged', version: released.version });
    expect(await files()).toEqual(before);
  });

  it('an addition: a minor version, the new baseline written, the changelog entries moved', async () => {
    const current = withSdl(`${released.sdl}\n"""Added."""\ntype Extra {\n  """A."""\n  a: Int\n}\n`);
    const outcome = await releaseApi({ root, current, date });
    expect(outcome).toMatchObject({ status: 'released', version: '1.1.0', previous: '1.0.0', bump: 'minor' });
    const [sdl, openapi, version, changelog] = await files();
    expect(sdl).toBe(current.sdl);
    expect(JSON.parse(openapi!).info.version).toBe('1.1.0');
    expect(version).toBe('1.1.0\n');
    expect(changelog).toContain('## [Unreleased]\n\n## [1.1.0] - 2026-12-24\n\n### Added\n\n- A thing.');
    // Released: the same contract is now nothing new.
    expect(await releaseApi({ root, current, date })).toMatchObject({ status: 'unchanged', version: '1.1.0' });
  });

  it('only descriptions changed: a patch version', async () => {
    const line = released.sdl.split('\n').find((l) => l.trim().startsWith('"""') && l.trim().endsWith('"""') && l.trim().length > 10)!;
    const current = withSdl(released.sdl.replace(line, line.replace('"""', '"""Reworded: ')));
    expect(await releaseApi({ root, current, date })).toMatchObject({ status: 'released', version: '1.0.1', bump: 'patch' });
  });

  it('a breaking change is refused (with what to do) and writes nothing; with --major it is 2.0.0', async () => {
    const before = await files();
    // A REST response field removed: the agent's name.
    const openapi = structuredClone(released.openapi);
    delete openapi.components.schemas['Agent']!.properties!['name'];
    const withoutDeleteAgent = visit(parse(released.sdl), {
      ObjectTypeDefinition: (node) =>
        node.name.value === 'Mutation' ? { ...node, fields: node.fields?.filter((field) => field.name.value !== 'deleteAgent') } : undefined,
    });
    const current: Contract = { sdl: print(withoutDeleteAgent), openapi };
    const refused = await releaseApi({ root, current, date });
    expect(refused.status).toBe('refused');
    const reason = (refused as { reason: string }).reason;
    expect(reason).toContain('new major version');
    expect(reason).toContain('CHANGELOG.md');
    expect(reason).toContain('npm run release:api');
    expect(reason).toMatch(/GraphQL Mutation\.deleteAgent: Field 'deleteAgent' was removed/);
    expect(reason).toContain('REST [response-field-removed] Agent.name');
    expect(await files()).toEqual(before);

    expect(await releaseApi({ root, current, date, major: true })).toMatchObject({ status: 'released', version: '2.0.0', bump: 'major' });
    expect((await files())[2]).toBe('2.0.0\n');
  });

  it('an empty Unreleased section is refused: a release says what changed', async () => {
    await writeFile(path.join(root, 'CHANGELOG.md'), CHANGELOG.replace('- A thing.\n', ''));
    const before = await files();
    const outcome = await releaseApi({ root, current: withSdl(`${released.sdl}\ntype Extra {\n  a: Int\n}\n`), date });
    expect(outcome).toMatchObject({ status: 'refused', reason: expect.stringContaining('nothing under "## [Unreleased]"') });
    expect(await files()).toEqual(before);
  });

  it('the command itself (npm run release:api -- --root <copy>) releases the current contract there', async () => {
    const repoBefore = await readFile(path.join(PROJECT_ROOT, 'schema/released/VERSION'), 'utf8');
    // The copy's baseline words one description differently, so the current contract is a release (a patch).
    const line = released.sdl.split('\n').find((l) => l.trim().startsWith('"""') && l.trim().endsWith('"""') && l.trim().length > 10)!;
    await writeFile(path.join(root, 'schema/released/schema.graphql'), released.sdl.replace(line, line.replace('"""', '"""Older: ')));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/contract/release.ts'), '--root', root, '--date', date],
      { cwd: PROJECT_ROOT },
    );
    expect(stdout).toMatch(/^Released API 1\.\d+\.\d+ /);
    const [sdl, , version] = await files();
    const { printedSchema } = await import('../../src/graphql/print-schema.js');
    expect(sdl).toBe(printedSchema());
    expect(version).not.toBe('1.0.0\n');
    expect(await readFile(path.join(PROJECT_ROOT, 'schema/released/VERSION'), 'utf8')).toBe(repoBefore);
  }, 120_000); // a process that builds the schema and the document: seconds, more on a loaded machine
});
