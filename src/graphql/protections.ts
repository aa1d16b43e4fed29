import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { getOperationAST, NoSchemaIntrospectionCustomRule, type DocumentNode, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLLimits } from '../config.js';
import { ApiError } from '../errors.js';
import { costLimitError, operationCost } from './cost.js';

/**
 * Limits on what one GraphQL document may ask for: depth, aliases, tokens and directives
 * (graphql-armor), cost (ours: it needs the request's variables), field suggestions off outside
 * development, introspection on or off, and writes only over POST. They run in Yoga's pipeline,
 * so they hold for /graphql and for every REST route.
 */
export function graphqlProtections(limits: GraphQLLimits): Plugin[] {
  const armor = new EnvelopArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: limits.maxAliases },
    maxTokens: { n: limits.maxTokens },
    // graphql-armor's cost sees only literal `first`/`last`: it runs at validation, without variables.
    costLimit: { enabled: false },
    maxDirectives: { n: limits.maxDirectives },
    blockFieldSuggestion: { enabled: !limits.fieldSuggestions },
  });
  const plugins: Plugin[] = [writesOnlyOverPost(), ...(armor.protect().plugins as Plugin[]), costLimit(limits.maxCost)];
  if (!limits.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
  }
  return plugins;
}

/**
 * Refuses an operation whose static cost (see operationCost) is over `maxCost`, counting page
 * sizes from literals and from the variables this request sends. It runs just before execution,
 * where the variables are known (validation results are cached per document).
 */
function costLimit(maxCost: number): Plugin {
  const check = (args: ExecutionArgs, refuse: (result: { errors: Error[] }) => void) => {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return;
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const cost = operationCost(args.schema, args.document, operation, variables);
    if (cost > maxCost) refuse({ errors: [costLimitError(maxCost, cost, operation)] });
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution as never),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution as never),
  };
}

/**
 * Mutations and subscriptions (ours write: sendMessageStream sends a message) run only over POST,
 * where idempotency keys, body limits and the absence of user text in URLs hold. Yoga refuses
 * GET mutations itself, but not subscriptions over server-sent events.
 */
function writesOnlyOverPost(): Plugin {
  return {
    onParse() {
      return ({ result, context }) => {
        const { request, params } = context as { request?: Request; params?: { operationName?: string } };
        if (request?.method !== 'GET' || !result || result instanceof Error) return;
        const operation = getOperationAST(result as DocumentNode, params?.operationName);
        if (operation && operation.operation !== 'query') {
          throw new ApiError(
            'METHOD_NOT_ALLOWED',
            `GET is not allowed for a ${operation.operation} on /graphql; allowed: POST`,
            { allowed: ['POST'] },
            { Allow: 'POST' },
          );
        }
      };
    },
  };
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
