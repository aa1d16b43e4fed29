import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';
import type { OpenApiDocument } from '../openapi/types.js';
import { PROJECT_ROOT } from '../paths.js';
import { diffOpenApi, formatChange, type OpenApiChange } from './openapi-breaking.js';
import { RELEASED_DIR, releasedPath } from './version.js';

/**
 * The API contract as last released (schema/released/): the GraphQL SDL, the v1 OpenAPI
 * document and their version. The current contract is compared with it (test/contract), and
 * `npm run release:api` replaces it.
 */

export type Contract = { sdl: string; openapi: OpenApiDocument };
export type ReleasedContract = Contract & { version: string };


export async function readReleased(root = PROJECT_ROOT): Promise<ReleasedContract> {
  const [sdl, openapi, version] = await Promise.all(
    (['sdl', 'openapi', 'version'] as const).map((file) => readFile(releasedPath(root, file), 'utf8')),
  );
  return { sdl: sdl!, openapi: JSON.parse(openapi!) as OpenApiDocument, version: version!.trim() };
}

export async function writeReleased(root: string, contract: Contract, version: string): Promise<void> {
  await mkdir(path.join(root, RELEASED_DIR), { recursive: true });
  const openapi = { ...contract.openapi, info: { ...contract.openapi.info, version } };
  await writeFile(releasedPath(root, 'sdl'), contract.sdl);
  await writeFile(releasedPath(root, 'openapi'), `${JSON.stringify(openapi, null, 2)}\n`);
  await writeFile(releasedPath(root, 'version'), `${version}\n`);
}

export type ContractDiff = {
  graphql: { breaking: Change[]; dangerous: Change[]; safe: Change[] };
  openapi: { breaking: OpenApiChange[]; dangerous: OpenApiChange[]; safe: OpenApiChange[] };
};

const bySeverity = <T>(changes: T[], level: (change: T) => string) => ({
  breaking: changes.filter((c) => level(c) === 'breaking'),
  dangerous: changes.filter((c) => level(c) === 'dangerous'),
  safe: changes.filter((c) => level(c) === 'safe'),
});

const GRAPHQL_LEVEL: Record<CriticalityLevel, string> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

export async function compareContracts(released: Contract, current: Contract): Promise<ContractDiff> {
  const graphql = await diff(buildSchema(released.sdl), buildSchema(current.sdl));
  return {
    graphql: bySeverity(graphql, (c) => GRAPHQL_LEVEL[c.criticality.level]),
    openapi: bySeverity(diffOpenApi(released.openapi, current.openapi), (c) => c.severity),
  };
}

export function hasBreaking(result: ContractDiff): boolean {
  return result.graphql.breaking.length > 0 || result.openapi.breaking.length > 0;
}

/** Whether anything a client can see changed, descriptions included. */
export function hasChanges(result: ContractDiff, released: Contract, current: Contract): boolean {
  const all = [...Object.values(result.graphql), ...Object.values(result.openapi)].flat();
  return all.length > 0 || released.sdl !== current.sdl || JSON.stringify(withoutVersion(released.openapi)) !== JSON.stringify(withoutVersion(current.openapi));
}

function withoutVersion(doc: OpenApiDocument) {
  return { ...doc, info: { ...doc.info, version: '' } };
}

const graphqlLine = (change: Change) => `${change.path ?? ''}: ${change.message}`;

/** The changes of one severity, both protocols, one per line. */
export function listChanges(result: ContractDiff, severity: 'breaking' | 'dangerous' | 'safe'): string[] {
  return [
    ...result.graphql[severity].map((c) => `GraphQL ${graphqlLine(c)}`),
    ...result.openapi[severity].map((c) => `REST ${formatChange(c)}`),
  ];
}

export const BREAKING_HELP = [
  'The current API contract breaks clients of the released one (schema/released/).',
  'If this was not meant: put the removed or changed item back (deprecate it instead, and remove it in the next major version).',
  'A deliberate breaking change needs a new major version (REST under /v2) and an entry under "Unreleased" in CHANGELOG.md, then `npm run release:api -- --major`.',
  'A change that breaks nothing never fails here; bless it as the new baseline with `npm run release:api`.',
].join('\n');
