import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLLimits } from '../config.js';

/**
 * Limits on what one GraphQL document may ask for: depth, aliases, tokens, static cost and
 * directives (graphql-armor), field suggestions off outside development, and introspection on
 * or off. They run in Yoga's pipeline, so they hold for /graphql and for every REST route.
 */
export function graphqlProtections(limits: GraphQLLimits): Plugin[] {
  const armor = new EnvelopArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: limits.maxAliases },
    maxTokens: { n: limits.maxTokens },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
    maxDirectives: { n: limits.maxDirectives },
    blockFieldSuggestion: { enabled: !limits.fieldSuggestions },
  });
  const plugins: Plugin[] = [...(armor.protect().plugins as Plugin[])];
  if (!limits.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
  }
  return plugins;
}

/** Which protection refused a document, read from graphql-armor's messages. */
const LIMIT_MESSAGES: [RegExp, string][] = [
  [/Query depth limit of (\d+) exceeded/, 'depth'],
  [/Aliases limit of (\d+) exceeded/, 'aliases'],
  [/Token limit of (\d+) exceeded/, 'tokens'],
  [/Query Cost limit of (\d+) exceeded/, 'cost'],
  [/Directives limit of (\d+) exceeded/, 'directives'],
  [/GraphQL introspection has been disabled/, 'introspection'],
];

export function protectionDetails(message: string): { limit: string; max?: number } | undefined {
  for (const [pattern, limit] of LIMIT_MESSAGES) {
    const match = pattern.exec(message);
    if (match) return match[1] ? { limit, max: Number(match[1]) } : { limit };
  }
  return undefined;
}
