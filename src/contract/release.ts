// `npm run release:api`: blesses the current API contract as the released one (schema/released/)
// and moves CHANGELOG.md's Unreleased entries under the new version. `-- --major` for a
// deliberate breaking change; `-- --root <dir>` to release another checkout (tests use a copy).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Change } from '@graphql-inspector/core';
import { releaseChangelog, unreleasedEntries } from './changelog.js';
import { BREAKING_HELP, compareContracts, hasBreaking, hasChanges, listChanges, readReleased, writeReleased, type Contract } from './released.js';

export type Bump = 'major' | 'minor' | 'patch';

export type ReleaseOutcome =
  | { status: 'released'; version: string; previous: string; bump: Bump; dangerous: string[] }
  | { status: 'unchanged'; version: string }
  | { status: 'refused'; reason: string };

export function bumpVersion(version: string, bump: Bump): string {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new Error(`not a version: ${version}`);
  const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** Only words changed (descriptions): a patch. */
const wordsOnly = (change: Change) => change.type.includes('DESCRIPTION');

export async function releaseApi(options: { root: string; current: Contract; major?: boolean; date: string }): Promise<ReleaseOutcome> {
  const { root, current, major = false, date } = options;
  const released = await readReleased(root);
  const result = await compareContracts(released, current);
  if (!hasChanges(result, released, current) && !major) return { status: 'unchanged', version: released.version };

  const breaking = hasBreaking(result);
  if (breaking && !major) {
    return {
      status: 'refused',
      reason: `${BREAKING_HELP}\n\nBreaking changes since ${released.version}:\n  ${listChanges(result, 'breaking').join('\n  ')}`,
    };
  }
  const additions = [...result.graphql.dangerous, ...result.graphql.safe].some((c) => !wordsOnly(c)) || result.openapi.dangerous.length + result.openapi.safe.length > 0;
  const bump: Bump = major ? 'major' : additions ? 'minor' : 'patch';
  const version = bumpVersion(released.version, bump);

  const changelogFile = path.join(root, 'CHANGELOG.md');
  const changelog = await readFile(changelogFile, 'utf8');
  if (!unreleasedEntries(changelog)) {
    return {
      status: 'refused',
      reason: `CHANGELOG.md has nothing under "## [Unreleased]": say what changed for API users (### Added / Changed / Deprecated / Removed / Fixed) before releasing ${version}.`,
    };
  }
  const nextChangelog = releaseChangelog(changelog, version, released.version, date);
  await writeReleased(root, current, version);
  await writeFile(changelogFile, nextChangelog);
  return { status: 'released', version, previous: released.version, bump, dangerous: listChanges(result, 'dangerous') };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const { values } = parseArgs({
    options: { major: { type: 'boolean', default: false }, root: { type: 'string' }, date: { type: 'string' } },
  });
  const { PROJECT_ROOT } = await import('../paths.js');
  const { currentContract } = await import('./current.js');
  const outcome = await releaseApi({
    root: path.resolve(values.root ?? PROJECT_ROOT),
    current: currentContract(),
    major: values.major,
    date: values.date ?? new Date().toISOString().slice(0, 10),
  });
  if (outcome.status === 'refused') {
    console.error(outcome.reason);
    process.exit(1);
  } else if (outcome.status === 'unchanged') {
    console.log(`The API contract is the one released as ${outcome.version}: nothing to release.`);
  } else {
    console.log(`Released API ${outcome.version} (${outcome.bump}; was ${outcome.previous}): schema/released/ and CHANGELOG.md updated; commit them.`);
    if (outcome.dangerous.length) console.log(`Dangerous changes in it:\n  ${outcome.dangerous.join('\n  ')}`);
  }
  process.exit(0);
}
