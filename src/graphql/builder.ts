import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, Kind } from 'graphql';
import type PrismaTypes from '../db/generated/pothos-types.js';
import { getDatamodel } from '../db/generated/pothos-types.js';
import { forbidden } from '../errors.js';
import { typeOfId } from '../ids.js';
import { keyRequired } from '../services/api-keys.js';
import type { Scope } from '../services/scopes.js';
import { parseTimestamp } from '../services/validation.js';
import type { GraphQLContext } from './context.js';

/** The scope each Relay node type needs to be read through `node(id:)` (null: any valid key). */
const NODE_READ_SCOPES: Record<string, Scope | null> = {
  Agent: 'agents:read',
  Character: 'characters:read',
  Account: null,
  ApiKey: 'keys:manage',
  Conversation: 'conversations:read',
  Message: 'conversations:read',
  Tool: 'agents:read',
  Webhook: 'webhooks:manage',
  WebhookDelivery: 'webhooks:manage',
  WebhookEvent: 'webhooks:manage',
  KnowledgeDocument: 'knowledge:read',
  McpServer: 'agents:read',
};

type Failure = { parameter?: unknown; failures?: Failure[] };

/** The scope a failed check wanted (scope-auth nests failures of scope maps). */
function missingScope(failure: Failure): string | undefined {
  if (typeof failure.parameter === 'string') return failure.parameter;
  for (const inner of failure.failures ?? []) {
    const scope = missingScope(inner);
    if (scope) return scope;
  }
  return undefined;
}

export function requireKey(ctx: GraphQLContext) {
  if (ctx.auth.kind === 'key') return ctx.auth;
  throw keyRequired(ctx.auth);
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: { scope: Scope };
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    StringMap: { Input: Record<string, string>; Output: Record<string, string> };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, RelayPlugin, PrismaPlugin],
  scopeAuth: {
    authorizeOnSubscribe: true,
    // A caller without a valid key is told 401 (thrown here); a key without the scope, 403.
    authScopes: (ctx) => ({
      scope: (scope: Scope) => requireKey(ctx).key.scopes.includes(scope),
    }),
    unauthorizedError: (_parent, _ctx, _info, result) => forbidden(missingScope(result.failure as Failure) ?? "required"),
  },
  relay: {
    // Our IDs are already global and typed by their prefix (agt_, acc_, ...): the Relay ID is
    // the very string a REST client sees.
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => ({ typename: typeOfId(globalID) ?? 'Unknown', id: globalID }),
    nodesOnConnection: true,
    nodesQueryOptions: false,
    nodeQueryOptions: {
      description: 'Any object by its ID (agt_…, acc_…); null for an ID that is unknown, not a Node or not yours.',
      resolve: async (_root, { id }, ctx, _info, resolveNode) => {
        const auth = requireKey(ctx);
        const typename = id.typename;
        // Relay: an ID the caller cannot see is no object, not an error (and never says which).
        if (!Object.hasOwn(NODE_READ_SCOPES, typename)) return null;
        const scope = NODE_READ_SCOPES[typename];
        if (scope && !auth.key.scopes.includes(scope)) throw forbidden(scope);
        return (await resolveNode(id)) ?? null;
      },
    },
    cursorType: 'String',
    clientMutationId: 'omit',
  },
  prisma: {
    // The client is replaced per request through the context (see `client` below).
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
});

builder.scalarType('DateTime', {
  description: 'An ISO-8601 timestamp in UTC, e.g. 2026-01-31T12:00:00.000Z.',
  serialize: (value) => (value as Date).toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' && value.includes('T') ? parseTimestamp(value) : undefined;
    if (!date) throw new GraphQLError('must be an ISO-8601 date-time string of a real date, e.g. 2030-01-31T12:00:00Z');
    return date;
  },
});

function parseStringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GraphQLError('must be an object of string values');
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new GraphQLError(`value of "${key}" must be a string`);
  }
  return value as Record<string, string>;
}

builder.scalarType('StringMap', {
  description: 'A JSON object whose values are strings, e.g. {"team": "support"}.',
  serialize: (value) => value,
  parseValue: parseStringMap,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.OBJECT) throw new GraphQLError('must be an object of string values');
    return parseStringMap(
      Object.fromEntries(
        ast.fields.map((f) => [f.name.value, f.value.kind === Kind.STRING ? f.value.value : null]),
      ),
    );
  },
});

function parseJSONObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GraphQLError('must be a JSON object');
  return value as Record<string, unknown>;
}

builder.scalarType('JSONObject', {
  description: 'Any JSON object, e.g. a character file. Pass it as a variable.',
  serialize: (value) => value,
  parseValue: parseJSONObject,
  parseLiteral: () => {
    throw new GraphQLError('must be passed as a variable (a JSON object)');
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value (object, array, string, number, boolean or null).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: () => {
    throw new GraphQLError('must be passed as a variable (any JSON value)');
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
