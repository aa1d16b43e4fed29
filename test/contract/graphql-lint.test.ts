import { createRequire } from 'node:module';
import path from 'node:path';
import { buildSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';

// graphql-schema-linter is CommonJS without types; its programmatic parts are what its CLI runs.
const require = createRequire(import.meta.url);
const { Configuration } = require('graphql-schema-linter/lib/configuration.js');
const { loadOptionsFromConfigDir } = require('graphql-schema-linter/lib/options.js');
const { Schema } = require('graphql-schema-linter/lib/schema.js');
const { SourceMap } = require('graphql-schema-linter/lib/source_map.js');
const { validateSchemaDefinition } = require('graphql-schema-linter/lib/validator.js');

type LintError = { ruleName: string; message: string; locations?: { line: number }[] };

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The rules the repository's config (.graphql-schema-linterrc.yml) switches off, each with its reason. */
const SWITCHED_OFF: Record<string, string> = {
  'enum-values-all-caps': 'lowercase enum values are the very strings REST sends and accepts for the same fields',
};

function lint(sdl: string): { errors: LintError[]; rules: string[] } {
  const options = loadOptionsFromConfigDir(ROOT);
  const configuration = new Configuration(new Schema(sdl, new SourceMap({ 'schema.graphql': sdl })), options);
  expect(configuration.validate()).toEqual([]);
  const rules = configuration.getRules();
  return { errors: validateSchemaDefinition(configuration.schema, rules, configuration), rules: rules.map((r: { name: string }) => r.name) };
}

const report = (errors: LintError[]) =>
  errors.map((e) => `${e.ruleName}: ${e.message} (line ${e.locations?.[0]?.line ?? '?'})`).join('\n');

const ruleName = (upperCamel: string) => upperCamel.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase();

describe('graphql-schema-linter', () => {
  it('finds nothing in the schema as the code builds it', () => {
    const { errors } = lint(printSchema(schema));
    expect(errors, `graphql-schema-linter errors:\n${report(errors)}`).toHaveLength(0);
  });

  it('runs every built-in rule but the ones switched off on purpose', () => {
    const configuration = new Configuration(new Schema('', new SourceMap({})), {});
    const builtIn: string[] = configuration.getAllBuiltInRules().map((r: { name: string }) => ruleName(r.name));
    const { rules } = lint(printSchema(schema));
    expect(builtIn.filter((r) => !rules.map(ruleName).includes(r)).sort()).toEqual(Object.keys(SWITCHED_OFF).sort());
    for (const rule of builtIn.filter((r) => r.endsWith('-have-descriptions'))) expect(SWITCHED_OFF).not.toHaveProperty(rule);
  });

  it('reports an item without a description, named, with its rule', () => {
    const sdl = printSchema(
      buildSchema(`
        "Reads."
        type Query {
          "One greeting."
          hello(
            name: String
          ): String
          undocumented: Int
        }
      `),
    );
    expect(lint(sdl).errors.map((e) => [e.ruleName, e.message])).toEqual(
      expect.arrayContaining([
        ['arguments-have-descriptions', 'The `name` argument of `hello` is missing a description.'],
        ['fields-have-descriptions', 'The field `Query.undocumented` is missing a description.'],
      ]),
    );
  });
});
