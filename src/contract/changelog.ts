/**
 * CHANGELOG.md in Keep a Changelog 1.1.0 form: a `## [Unreleased]` section on top, then one
 * `## [x.y.z] - YYYY-MM-DD` section per release, and compare links at the bottom.
 */

export const REPOSITORY_URL = 'https://github.com/OrionOS-dev/orionos';

const UNRELEASED = /^## \[Unreleased\]\s*$/m;
const SECTION_END = [/^## \[/m, /^\[[^\]]+\]: /m];

/** Where the Unreleased section is (heading included), and its body. */
function unreleasedSection(changelog: string): { start: number; end: number; body: string } {
  const start = changelog.search(UNRELEASED);
  if (start < 0) throw new Error('CHANGELOG.md has no "## [Unreleased]" section');
  const bodyStart = changelog.indexOf('\n', start) + 1;
  const rest = changelog.slice(bodyStart);
  const ends = SECTION_END.map((pattern) => rest.search(pattern)).filter((i) => i >= 0);
  const end = bodyStart + (ends.length ? Math.min(...ends) : rest.length);
  return { start, end, body: changelog.slice(bodyStart, end) };
}

/** The entries under Unreleased, without the sub-headings (### Added, ...) that have none. */
export function unreleasedEntries(changelog: string): string {
  return unreleasedSection(changelog)
    .body.split(/^(?=### )/m)
    .filter((block) => !block.startsWith('### ') || /^\s*- /m.test(block))
    .join('')
    .trim();
}

/**
 * Moves the Unreleased entries under `## [version] - date`, leaves an empty Unreleased section,
 * and updates the compare links (when the file has them).
 */
export function releaseChangelog(changelog: string, version: string, previous: string, date: string): string {
  const entries = unreleasedEntries(changelog);
  if (!entries) throw new Error('CHANGELOG.md: nothing under "Unreleased" to release');
  const { start, end } = unreleasedSection(changelog);
  const text = `${changelog.slice(0, start)}## [Unreleased]\n\n## [${version}] - ${date}\n\n${entries}\n\n${changelog.slice(end)}`.replace(
    /^\[Unreleased\]: .*$/m,
    () => `[Unreleased]: ${REPOSITORY_URL}/compare/v${version}...HEAD\n[${version}]: ${REPOSITORY_URL}/compare/v${previous}...v${version}`,
  );
  return `${text.trimEnd()}\n`;
}
