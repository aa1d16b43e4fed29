import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NoDeprecatedCustomRule, Source, concatAST, parse, specifiedRules, validate, type DocumentNode, type GraphQLError } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentContract } from '../../src/contract/current.js';
import { BREAKING_HELP, compareContracts, listChanges, readReleased, type ContractDiff } from '../../src/contract/released.js';
import { schema } from '../../src/graphql/schema.js';
import { PROJECT_ROOT } from '../../src/paths.js';

/**
 * The breaking-change guard: the contract this code serves against the one last released
 * (schema/released/). Breaking changes fail with what to do; dangerous ones are listed.
 */
describe('API contract vs the released one', () => {
  let result: ContractDiff;
  let version: string;

  beforeAll(async () => {
    const released = await readReleased();
    version = released.version;
    result = await compareContracts(released, currentContract());
    const dangerous = listChanges(result, 'dangerous');
    if (dangerous.length) {
      console.info(`Dangerous changes since ${version} (not breaking; check that clients cope):\n  ${dangerous.join('\n  ')}`);
    }
  });

  it('GraphQL: no breaking change (@graphql-inspector/core)', () => {
    const breaking = result.graphql.breaking.map((c) => `${c.path ?? ''}: ${c.message}`);
    expect(breaking, `${BREAKING_HELP}\n\nBreaking GraphQL changes since ${version}:\n  ${breaking.join('\n  ')}`).toEqual([]);
  });

  it('REST: no breaking change of the OpenAPI document', () => {
    const breaking = listChanges({ ...result, graphql: { breaking: [], dangerous: [], safe: [] } }, 'breaking');
    expect(breaking, `${BREAKING_HELP}\n\nBreaking REST changes since ${version}:\n  ${breaking.join('\n  ')}`).toEqual([]);
  });
});

/** Each directory's files are one document (fragments are shared between files), errors reported per file. */
const OPERATION_DIRS = ['src/rest/operations', 'src/mcp/operations'];

function documentOf(dir: string): { files: string[]; document: DocumentNode } {
  const files = readdirSync(path.join(PROJECT_ROOT, dir))
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => `${dir}/${f}`);
  const document = concatAST(files.map((file) => parse(new Source(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file))));
  return { files, document };
}

function errorsOf(file: string, errors: readonly GraphQLError[]): string[] {
  return errors
    .filter((e) => e.source?.name === file || e.nodes?.some((n) => n.loc?.source.name === file))
    .map((e) => `${file}:${e.locations?.[0]?.line ?? '?'}: ${e.message}`);
}

describe.each(OPERATION_DIRS)('hand-written operations in %s against the current schema', (dir) => {
  const { files, document } = documentOf(dir);
  const errors = validate(schema, document, specifiedRules);
  const deprecatedUses = validate(schema, document, [NoDeprecatedCustomRule]);

  it('every error is in one of the files', () => {
    expect(errors.filter((e) => !files.some((f) => errorsOf(f, [e]).length)).map((e) => e.message)).toEqual([]);
  });

  it.each(files)('%s is valid, and uses nothing deprecated', (file) => {
    expect(
      errorsOf(file, errors),
      `${file} no longer matches the schema: a change the REST layer (or MCP) cannot serve breaks its clients too. ${BREAKING_HELP}`,
    ).toEqual([]);
    expect(errorsOf(file, deprecatedUses), `${file} uses a deprecated field or argument: use what replaces it`).toEqual([]);
  });
});
