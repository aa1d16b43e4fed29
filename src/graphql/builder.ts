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
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/pagination.js';
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
    nodesOnConnection: { description: 'The page’s items in list order: the edges’ nodes, without their cursors.' },
    nodesQueryOptions: false,
    nodeTypeOptions: {
      description:
        'An object with a globally unique ID whose prefix names its type (`agt_…` agent, `msg_…` message, …): `node(id:)` fetches any of them. The IDs are the very strings REST returns.',
    },
    idFieldOptions: { description: 'Globally unique ID, prefixed by type (e.g. `agt_…`): the same string as `id` in REST.' },
    nodeQueryOptions: {
      description: 'Any object by its ID (agt_…, acc_…); null for an ID that is unknown, not a Node or not yours.',
      args: { id: { description: 'Any ID a REST or GraphQL answer gave you (`agt_…`, `msg_…`, …).' } },
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
    pageInfoTypeOptions: {
      description: 'Where a page of a connection sits in its list: the cursors of its first and last items, and whether more lie beyond them.',
    },
    hasNextPageFieldOptions: { description: 'True when items follow this page: ask for them with `first` and `after: endCursor`.' },
    hasPreviousPageFieldOptions: { description: 'True when items precede this page: ask for them with `last` and `before: startCursor`.' },
    startCursorFieldOptions: { description: 'The cursor of the page’s first item; null for an empty page.' },
    endCursorFieldOptions: { description: 'The cursor of the page’s last item; null for an empty page.' },
    pageInfoFieldOptions: { description: 'The cursors of this page’s ends and whether more items lie beyond them.' },
    edgesFieldOptions: { description: 'The page’s items in list order, each with its cursor.' },
    cursorFieldOptions: { description: 'This item’s cursor (opaque): pass it as `after` or `before` to page from here.' },
    firstArgOptions: {
      description: `Cursor paging: at most this many items from the start of the list, or after \`after\` (0–${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} when only \`after\` is given). Not with \`last\`, \`page\` or \`limit\`.`,
    },
    afterArgOptions: { description: 'Cursor paging: start after the item with this cursor (an `endCursor` or edge `cursor` of this list).' },
    lastArgOptions: {
      description: `Cursor paging: at most this many items from the end of the list, or before \`before\` (0–${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} when only \`before\` is given). Not with \`first\`, \`page\` or \`limit\`.`,
    },
    beforeArgOptions: { description: 'Cursor paging: end before the item with this cursor (a `startCursor` or edge `cursor` of this list).' },
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

builder.queryType({ description: 'Reads. Every field needs an API key (`Authorization: Bearer …`) and answers only your account’s data.' });
builder.mutationType({
  description: 'Writes (over POST only). An `Idempotency-Key` header makes a retry answer the first result instead of writing again.',
});
builder.subscriptionType({
  description: 'Streams over Server-Sent Events (or WebSocket): a sent message’s reply as it is written, and conversation exports in chunks.',
});
