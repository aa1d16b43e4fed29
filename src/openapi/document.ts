import { getOperationAST, type GraphQLSchema } from 'graphql';
import { releasedVersion } from '../contract/version.js';
import { deprecationReason } from '../deprecations.js';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import { schema as graphqlSchema } from '../graphql/schema.js';
import { prefixOfType } from '../ids.js';
import { allowHeader } from '../rest/allowed-methods.js';
import { hasDeprecations } from '../rest/deprecation.js';
import { routes as restRoutes, type RestRoute } from '../rest/routes.js';
import { SCOPES } from '../services/scopes.js';
import { ERROR_DOCS, errorComponentName, errorObjectSchema } from './errors.js';
import { addExamples } from './examples.js';
import { GraphQLJsonSchemas } from './graphql-json-schema.js';
import { PARAM_REFINEMENTS, REFINEMENTS, ROUTE_DOCS, TAGS, scopesOf, type RouteDoc } from './route-docs.js';

/** "the `a` scope", or "the `a` and `b` scopes". */
function scopeList(doc: RouteDoc): string {
  const scopes = scopesOf(doc).map((s) => `\`${s}\``);
  return scopes.length === 1 ? `the ${scopes[0]} scope` : `the ${scopes.slice(0, -1).join(', ')} and ${scopes.at(-1)} scopes`;
}
import type {
  HeaderObject,
  HttpMethodLower,
  JsonSchema,
  MediaTypeObject,
  OpenApiDocument,
  OperationObject,
  ParameterObject,
  PathItemObject,
  Reference,
  ResponseObject,
} from './types.js';

/**
 * The OpenAPI 3.1 document of the REST API, built from the route table (src/rest/routes.ts),
 * the routes' GraphQL operations and the GraphQL schema. Shapes are generated; only words and
 * bounds are written by hand (route-docs.ts, errors.ts).
 */

export const OPENAPI_PATH = '/v1/openapi.json';
export const REST_BASE = '/v1';

const SECURITY_SCHEME = 'bearerAuth';

/** `/agents/:agentId` → `/v1/agents/{agentId}`. */
export function openApiPath(expressPath: string): string {
  return `${REST_BASE}${expressPath.replace(/:(\w+)/g, '{$1}')}`;
}

export const routeKey = (route: Pick<RestRoute, 'method' | 'path'>) => `${route.method} ${route.path}`;

/** ID fields whose name does not say what they identify. */
const ID_FIELD_TYPES: Record<string, string> = {
  'Message.replyId': 'Message',
  'ApiKey.rotatedFromId': 'ApiKey',
  'DeleteAgentPayload.deletedId': 'Agent',
  'DeleteConversationPayload.deletedId': 'Conversation',
};

/** `Agent.id`, `Message.agentId`, ...: the prefixed, time-ordered ID of that type (src/ids.ts). */
function idSchema(type: string, field: string): JsonSchema | undefined {
  const target =
    ID_FIELD_TYPES[`${type}.${field}`] ??
    (field === 'id' ? type : field.endsWith('Id') ? field[0]!.toUpperCase() + field.slice(1, -2) : undefined);
  const prefix = target ? prefixOfType(target) : undefined;
  return prefix ? { type: 'string', pattern: `^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$` } : undefined;
}

/** How the REST router turns each subscription event into a Server-Sent Event (src/rest/router.ts). */
const STREAM_EVENTS: Record<string, { event: string; data: (variant: JsonSchema) => JsonSchema }> = {
  MessageDelta: {
    event: 'message.delta',
    data: (variant) => withoutProperty(variant, '__typename'),
  },
  ToolCallStarted: {
    event: 'tool.call',
    data: (variant) => withoutProperty(variant, '__typename'),
  },
  ToolCallFinished: {
    event: 'tool.result',
    data: (variant) => {
      const toolCall = variant.properties?.['toolCall'];
      if (!toolCall) throw new Error('OpenAPI: ToolCallFinished selects no toolCall');
      return toolCall;
    },
  },
  MessageCompleted: {
    event: 'message.completed',
    data: (variant) => {
      const message = variant.properties?.['message'];
      if (!message) throw new Error('OpenAPI: MessageCompleted selects no message');
      return message;
    },
  },
};

function withoutProperty(schema: JsonSchema, name: string): JsonSchema {
  const { [name]: _dropped, ...properties } = schema.properties ?? {};
  return { ...schema, properties, required: (schema.required ?? []).filter((r) => r !== name) };
}

const ref = (kind: 'schemas' | 'parameters' | 'headers' | 'responses', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

const HEADERS: Record<string, HeaderObject> = {
  'X-Request-Id': {
    description: 'The request’s ID: yours, if you sent a sane `X-Request-Id` not starting with `req_`, otherwise a new `req_…`. On every response.',
    required: true,
    schema: { type: 'string', examples: ['req_01JD4S9X6Q0M4W2T8ZK7Y3N5HB'] },
  },
  'X-RateLimit-Limit': {
    description: 'Requests allowed per minute (per account, or per client address without a valid key).',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current minute.',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  'X-RateLimit-Reset': {
    description: 'When the current window ends, in Unix seconds.',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  'Idempotent-Replayed': {
    description:
      'Sent when the request carried an `Idempotency-Key`: `true` when this is the stored answer of an earlier request with that key, `false` when the request ran now.',
    required: false,
    schema: { type: 'string', enum: ['true', 'false'] },
  },
  'WWW-Authenticate': {
    description: 'The authentication scheme to use: `Bearer`.',
    required: true,
    schema: { type: 'string', const: 'Bearer' },
  },
  Allow: {
    description: 'The methods this path has.',
    required: true,
    schema: { type: 'string', examples: ['GET, POST, HEAD, OPTIONS'] },
  },
};

const headerRef = (name: keyof typeof HEADERS & string): Reference => ref('headers', name.replaceAll('-', ''));

const PARAMETERS: Record<string, ParameterObject> = {
  XRequestId: {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description: 'Your own ID for the request (1–128 of letters, digits and `. _ : -`, not starting with `req_`, which is the server’s own format); echoed in the response and in errors. Otherwise the server makes a new `req_…`.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes a retry safe: the first request with this key runs and its answer is kept for 24 hours; a retry with the same key and body gets the same status and body (with `Idempotent-Replayed: true`) instead of running again. The same key with another body, or while the first is still running, answers 409 `IDEMPOTENCY_CONFLICT`. 1–255 visible ASCII characters, e.g. a UUID.',
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$', examples: ['4f1c2a9e-6d0b-4a51-9a5e-0d9c6c3b2f10'] },
  },
};

function successEnvelope(data: JsonSchema): JsonSchema {
  return {
    type: 'object',
    properties: { success: { type: 'boolean', const: true }, data },
    required: ['success', 'data'],
    additionalProperties: false,
  };
}

function errorEnvelope(codes: ErrorCode[]): JsonSchema {
  const objects = codes.map((code) => ref('schemas', errorComponentName(code)));
  return {
    type: 'object',
    properties: {
      success: { type: 'boolean', const: false },
      error: objects.length === 1 ? objects[0]! : { oneOf: objects },
    },
    required: ['success', 'error'],
    additionalProperties: false,
  };
}

const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] as const;

/**
 * The headers of every answer. The rate-limit headers are set once the request has been
 * counted: an answer given before that (the server failing or shutting down, a path outside
 * /v1) may lack them.
 */
function commonHeaders(method: string, counted = true): Record<string, HeaderObject | Reference> {
  return {
    'X-Request-Id': headerRef('X-Request-Id'),
    ...Object.fromEntries(
      RATE_LIMIT_HEADERS.map((name) => [
        name,
        counted
          ? headerRef(name)
          : { ...HEADERS[name]!, required: false, description: `${HEADERS[name]!.description} Absent when the request failed before it was counted.` },
      ]),
    ),
    ...(method === 'POST' ? { 'Idempotent-Replayed': headerRef('Idempotent-Replayed') } : {}),
  };
}

/** Every code a route can give, and when. */
function routeErrors(route: RestRoute, doc: RouteDoc): Map<ErrorCode, string> {
  const errors = new Map<ErrorCode, string>();
  const add = (code: ErrorCode, when: string) => errors.set(code, when);
  add(
    'INVALID_REQUEST',
    route.body || route.method === 'POST'
      ? 'The body or a parameter is invalid (`details.fields` names each); or the `Idempotency-Key` is malformed.'
      : 'A parameter is invalid or unknown (`details.fields` names each).',
  );
  add('UNAUTHORIZED', ERROR_DOCS.UNAUTHORIZED.when);
  add('FORBIDDEN', `The API key lacks ${scopeList(doc)} (\`details.requiredScope\` names the missing one).`);
  for (const param of pathParams(route.path)) {
    if (param === 'agentId') add('AGENT_NOT_FOUND', 'No such agent in your account.');
    else add('NOT_FOUND', `No such ${param.replace(/Id$/, '').replace('key', 'API key')} in your account.`);
  }
  if (route.method === 'POST') add('IDEMPOTENCY_CONFLICT', ERROR_DOCS.IDEMPOTENCY_CONFLICT.when);
  if (route.body) add('PAYLOAD_TOO_LARGE', ERROR_DOCS.PAYLOAD_TOO_LARGE.when);
  add('RATE_LIMIT_EXCEEDED', 'Too many requests this minute (`Retry-After`, `details.retryAfter`).');
  add('INTERNAL_ERROR', ERROR_DOCS.INTERNAL_ERROR.when);
  add('SERVICE_UNAVAILABLE', ERROR_DOCS.SERVICE_UNAVAILABLE.when);
  for (const [code, when] of Object.entries(doc.errors ?? {}) as Array<[ErrorCode, string | true]>) {
    const text = when === true ? ERROR_DOCS[code].when : when;
    add(code, errors.has(code) ? `${errors.get(code)} ${text}` : text);
  }
  return errors;
}

function errorResponses(route: RestRoute, doc: RouteDoc): Record<string, ResponseObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  const errors = routeErrors(route, doc);
  for (const code of errors.keys()) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, ResponseObject> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers = commonHeaders(route.method, status !== 500 && status !== 503);
    if (status === 401) headers['WWW-Authenticate'] = headerRef('WWW-Authenticate');
    if (codes.includes('RATE_LIMIT_EXCEEDED')) {
      headers['Retry-After'] =
        codes.length === 1
          ? headerRef('Retry-After')
          : { ...HEADERS['Retry-After']!, required: false, description: 'With `RATE_LIMIT_EXCEEDED`: seconds to wait.' };
    }
    responses[String(status)] = {
      description: codes.map((code) => `\`${code}\`: ${errors.get(code)}`).join('\n\n'),
      headers,
      content: { 'application/json': { schema: errorEnvelope(codes) } },
    };
  }
  return responses;
}

function pathParams(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

function operationName(route: RestRoute): string {
  const name = getOperationAST(route.operation)?.name?.value;
  if (!name) throw new Error(`OpenAPI: the operation of ${routeKey(route)} has no name`);
  return name;
}

export type BuildOptions = {
  routes?: RestRoute[];
  docs?: Record<string, RouteDoc>;
  schema?: GraphQLSchema;
};

/** Builds the document; throws when a route has no documentation, or documentation no route. */
export function buildOpenApiDocument(options: BuildOptions = {}): OpenApiDocument {
  const { routes = restRoutes, docs = ROUTE_DOCS, schema = graphqlSchema } = options;
  const keys = routes.map(routeKey);
  const undocumented = keys.filter((key) => !Object.hasOwn(docs, key));
  if (undocumented.length) {
    throw new Error(
      `OpenAPI: no documentation for the route(s) ${undocumented.join(', ')}: add an entry to ROUTE_DOCS in src/openapi/route-docs.ts`,
    );
  }
  const orphans = Object.keys(docs).filter((key) => !keys.includes(key));
  if (orphans.length) {
    throw new Error(`OpenAPI: ROUTE_DOCS documents route(s) that do not exist: ${orphans.join(', ')}`);
  }

  const generator = new GraphQLJsonSchemas(schema, REFINEMENTS, { idSchema });
  const extraSchemas: Record<string, JsonSchema> = {};
  const paths: Record<string, PathItemObject> = {};
  const operationIds = new Set<string>();

  for (const route of routes) {
    const doc = docs[routeKey(route)]!;
    const name = operationName(route);
    const operationId = name[0]!.toLowerCase() + name.slice(1);
    if (operationIds.has(operationId)) throw new Error(`OpenAPI: two routes run the operation ${name}`);
    operationIds.add(operationId);

    // Parameters: path (the operation's variables of the same name), query, headers.
    const parameters: Array<ParameterObject | Reference> = [];
    for (const param of pathParams(route.path)) {
      const description = doc.params?.[param];
      if (!description) throw new Error(`OpenAPI: ${routeKey(route)} does not describe its path parameter ${param}`);
      generator.variable(route.operation, param); // must exist
      const schema: JsonSchema = route.intParams?.[param] ? { type: 'integer', minimum: 1 } : { type: 'string' };
      parameters.push({ name: param, in: 'path', required: true, description, schema });
    }
    for (const [param, kind] of Object.entries(route.query)) {
      const variable = generator.variable(route.operation, param);
      const refinement = doc.query?.[param] ?? PARAM_REFINEMENTS[param];
      const { nullable: _n, description, ...bounds } = refinement ?? { description: undefined };
      const paramSchema = generator.inputSchema(variable.type, { ...bounds, nullable: false });
      const expected = kind === 'int' ? 'integer' : kind;
      if (paramSchema.type !== expected) {
        throw new Error(`OpenAPI: ${routeKey(route)} reads ?${param} as ${kind}, but $${param} is ${String(variable.type)}`);
      }
      const deprecation = route.deprecatedQuery?.[param];
      const text = [description, deprecation && `**Deprecated.** ${deprecationReason(deprecation)}`].filter(Boolean).join(' ');
      parameters.push({
        name: param,
        in: 'query',
        required: variable.required,
        ...(text ? { description: text } : {}),
        schema: paramSchema,
        ...(deprecation ? { deprecated: true } : {}),
      });
    }
    parameters.push(ref('parameters', 'XRequestId'));
    if (route.method === 'POST') parameters.push(ref('parameters', 'IdempotencyKey'));

    // Body: the operation's $input.
    let requestBody: OperationObject['requestBody'];
    if (route.body) {
      const input = generator.variable(route.operation, 'input');
      let bodySchema = generator.inputSchema(input.type, { nullable: false });
      if (route.stream) {
        // The router takes `stream` out of the body before the rest becomes $input.
        const inputName = bodySchema.$ref?.split('/').pop();
        const component = inputName ? generator.components[inputName] : undefined;
        if (!component?.properties) throw new Error(`OpenAPI: ${routeKey(route)} has no input object`);
        const requestName = `${name}Request`;
        extraSchemas[requestName] = {
          ...component,
          properties: {
            ...component.properties,
            stream: {
              type: 'boolean',
              description: 'Answer as Server-Sent Events (`text/event-stream`) instead of one JSON response. Default: `false`.',
            },
          },
        };
        bodySchema = ref('schemas', requestName);
      }
      requestBody = {
        required: route.body === true,
        ...(route.body === 'optional' ? { description: 'Optional: send no body at all, or a JSON object.' } : {}),
        content: { 'application/json': { schema: bodySchema } },
      };
    }

    // Answers: the envelope around exactly the operation's selection (or the file a download
    // route streams), then every error.
    const responses: Record<string, ResponseObject | Reference> = {
      [String(route.status)]: route.download
        ? downloadResponse(generator, route, doc)
        : {
            description: route.status === 201 ? 'Created.' : 'OK.',
            headers: commonHeaders(route.method),
            content: { 'application/json': { schema: successEnvelope(generator.dataSchema(route.operation, route.field)) } },
          },
    };
    if (route.stream) {
      responses['200'] = streamResponse(generator, route, doc, name);
    }
    if (route.createdFlag) {
      responses['200'] = {
        description: 'OK: it already existed (nothing new was made); the same object.',
        headers: commonHeaders(route.method),
        content: { 'application/json': { schema: successEnvelope(generator.dataSchema(route.operation, route.field)) } },
      };
    }
    Object.assign(responses, errorResponses(route, doc));
    addDeprecationHeaders(route, responses);
    // Any other method on this path (the path item's description lists the allowed ones).
    responses['405'] = ref('responses', 'MethodNotAllowed');

    const operation: OperationObject = {
      operationId,
      summary: doc.summary,
      description: `${doc.description}\n\nNeeds ${scopeList(doc)}.${route.deprecated ? `\n\n**Deprecated.** ${deprecationReason(route.deprecated)}` : ''}`,
      ...(route.deprecated ? { deprecated: true } : {}),
      tags: [doc.tag],
      security: [{ [SECURITY_SCHEME]: scopesOf(doc) }],
      parameters,
      ...(requestBody ? { requestBody } : {}),
      responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
      'x-graphql-operation': name,
    };
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase() as HttpMethodLower] = operation;
  }

  for (const [path, item] of Object.entries(paths)) {
    // In route-table order, as the router lists them.
    const methods = routes.filter((r) => openApiPath(r.path) === path).map((r) => r.method);
    item.description = `Allowed methods: \`${allowHeader(methods)}\`. Any other method answers 405 \`METHOD_NOT_ALLOWED\` with that \`Allow\` header.`;
  }

  const unused = generator.unusedRefinements();
  if (unused.length) throw new Error(`OpenAPI: refinements of fields no route reaches: ${unused.join(', ')}`);

  // Input types a route body names only through another component (SendMessageInput inside
  // SendMessageRequest) are not part of the API: keep the generated components paths reach.
  const generated = { ...generator.components, ...extraSchemas };
  const reachable = reachableSchemas(paths, generated);
  const codes = Object.keys(ERROR_STATUS) as ErrorCode[];
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'OrionOS API',
      version: releasedVersion(),
      description: infoDescription(codes),
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: TAGS.map((t) => ({ ...t })),
    security: [{ [SECURITY_SCHEME]: [] }],
    paths,
    components: {
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'orn_live_… or orn_test_…',
          description: `An API key: \`Authorization: Bearer orn_live_…\`. Each route names the scopes it needs: ${SCOPES.map((s) => `\`${s}\``).join(', ')}.`,
        },
      },
      schemas: {
        ...sortedObject(Object.fromEntries(Object.entries(generated).filter(([name]) => reachable.has(name)))),
        FieldError: {
          type: 'object',
          properties: {
            field: { type: 'string', description: 'A body field by its path (`personality.traits[0]`), a parameter by its name, or `(body)`.' },
            message: { type: 'string' },
          },
          required: ['field', 'message'],
          additionalProperties: false,
        },
        ...Object.fromEntries(codes.map((code) => [errorComponentName(code), errorObjectSchema(code)])),
      },
      parameters: PARAMETERS,
      headers: Object.fromEntries(Object.entries(HEADERS).map(([name, header]) => [name.replaceAll('-', ''), header])),
      responses: {
        MethodNotAllowed: {
          description:
            'A known path with a method it does not have. The `Allow` header lists the methods it has (each path’s description says which).',
          headers: { ...commonHeaders('GET'), Allow: headerRef('Allow') },
          content: { 'application/json': { schema: errorEnvelope(['METHOD_NOT_ALLOWED']) } },
        },
      },
    },
  };
  addExamples(document);
  return document;
}

/** A file streamed as it is read (a `download` route): its media types, as the route's docs say. */
function downloadResponse(generator: GraphQLJsonSchemas, route: RestRoute, doc: RouteDoc): ResponseObject {
  const chunk = generator.dataSchema(route.operation, route.field);
  for (const field of ['text', 'contentType', 'fileName']) {
    if (!chunk.properties?.[field]) throw new Error(`OpenAPI: the download route ${routeKey(route)} selects no ${field}`);
  }
  if (!doc.download) throw new Error(`OpenAPI: the download route ${routeKey(route)} documents no media types (RouteDoc.download)`);
  return {
    description:
      'The file, streamed as it is read (chunked transfer encoding, no `Content-Length`). An error after the first byte cuts the connection off before the final chunk, so a partial file never looks whole.',
    headers: {
      ...commonHeaders(route.method),
      'Content-Disposition': {
        description: 'The file’s name to save it as: `attachment; filename=cnv_….jsonl` (quoted when the name needs it).',
        required: true,
        schema: { type: 'string', pattern: '^attachment; filename=("[^"]+"|[^";]+)$' },
      },
    },
    content: Object.fromEntries(
      Object.entries(doc.download).map(([media, { description, example }]) => [
        media,
        { schema: { type: 'string', description }, example },
      ]),
    ),
  };
}

function streamResponse(generator: GraphQLJsonSchemas, route: RestRoute, doc: RouteDoc, name: string): ResponseObject {
  const stream = route.stream!;
  const eventSchema = generator.dataSchema(stream.operation, stream.field);
  const variants = eventSchema.oneOf ?? [eventSchema];
  const events: Record<string, JsonSchema> = {};
  for (const variant of variants) {
    const typename = variant.properties?.['__typename']?.const;
    const mapping = typeof typename === 'string' ? STREAM_EVENTS[typename] : undefined;
    if (!mapping) throw new Error(`OpenAPI: no Server-Sent Event for the ${String(typename)} events of ${name}`);
    events[mapping.event] = mapping.data(variant);
  }
  const codes = [...routeErrors(route, doc).keys()];
  events['error'] = {
    description: 'The request failed after the stream began; the error object, with its `requestId`.',
    oneOf: codes.map((code) => ref('schemas', errorComponentName(code))),
  };
  const media: MediaTypeObject = {
    schema: {
      type: 'string',
      description: [
        'Server-Sent Events, in this order:',
        '',
        '| event | data (JSON) |',
        '|---|---|',
        '| `message.delta` | `{"delta": "…"}`: the next piece of the reply (any number of them) |',
        '| `tool.call` | `{"callId", "tool", "arguments"}`: the model calls a tool (in order among the deltas) |',
        '| `tool.result` | the call with its outcome, as recorded in `toolCalls`: `{"callId", "tool", "arguments", "result", "error", "latencyMs"}` |',
        '| `message.completed` | the same object a plain request returns in `data` (last event) |',
        '| `error` | the error object `{code, message, details, requestId}` (last event) |',
        '',
        'and a `: heartbeat` comment every 15 s while the model is thinking. The data schema of each event is in `x-orion-events`.',
      ].join('\n'),
    },
    example:
      'event: message.delta\ndata: {"delta":"Hello"}\n\nevent: message.delta\ndata: {"delta":" there!"}\n\nevent: message.completed\ndata: {"id":"msg_…","response":"Hello there!",…}\n\n',
    'x-orion-events': events,
  };
  return {
    description: 'The reply as a stream of Server-Sent Events (with `"stream": true` or `Accept: text/event-stream`).',
    headers: commonHeaders(route.method),
    content: { 'text/event-stream': media },
  };
}

/** The names of the schema components that `root` refers to, directly or through other components. */
function reachableSchemas(root: unknown, components: Record<string, JsonSchema>): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        const match = key === '$ref' && typeof inner === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(inner) : null;
        if (match && !found.has(match[1]!)) {
          found.add(match[1]!);
          walk(components[match[1]!]);
        } else walk(inner);
      }
    }
  };
  walk(root);
  return found;
}

function sortedObject<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The `Deprecation`, `Sunset` and `Link` headers of a route, or of a route's parameter, on its way
 * out (src/rest/deprecation.ts): always on the success answers of a deprecated route; otherwise
 * only when the request used the deprecated parameter.
 */
function addDeprecationHeaders(route: RestRoute, responses: Record<string, ResponseObject | Reference>) {
  if (!hasDeprecations(route)) return;
  const when = route.deprecated ? 'The route is deprecated' : `Sent when the request used a deprecated parameter (${Object.keys(route.deprecatedQuery!).map((p) => `\`${p}\``).join(', ')})`;
  for (const [status, response] of Object.entries(responses)) {
    if ('$ref' in response) continue;
    const required = Boolean(route.deprecated) && Number(status) < 300;
    response.headers = {
      ...response.headers,
      Deprecation: {
        description: `${when}: when it was deprecated, as \`@\` and Unix seconds (RFC 9745).`,
        required,
        schema: { type: 'string', pattern: '^@\\d+$' },
      },
      Sunset: {
        description: `${when}: from when it may be removed, as an HTTP date (RFC 8594).`,
        required,
        schema: { type: 'string' },
      },
      Link: {
        description: `${when}: where to read about it (\`rel="deprecation"\`).`,
        required,
        schema: { type: 'string' },
      },
    };
  }
}

function infoDescription(codes: ErrorCode[]): string {
  return [
    'OrionOS is an API for creating, running and talking to AI agents. This REST API runs each route as a GraphQL operation of the schema served at `/graphql`, so both give the same data, envelopes and error codes. This document is served at `/v1/openapi.json`.',
    '',
    '## Requests',
    '',
    '- Authenticate with an API key: `Authorization: Bearer orn_live_…` (or `orn_test_…`). Each route names the scopes it needs.',
    '- Bodies are JSON objects (`Content-Type: application/json`, at most 1 MiB by default); unknown fields are rejected.',
    '- Lists take `page` (1 or more, default 1) and `limit` (1–100, default 20) and answer `{items, pagination: {currentPage, totalPages, totalItems, itemsPerPage}}`, newest first.',
    '- IDs are opaque, prefixed strings: `agt_…`, `msg_…`, `cnv_…`, `key_…`, `acc_…`. Timestamps are ISO-8601 UTC.',
    '- `POST` routes take an `Idempotency-Key` header, so that a retry never does the work twice.',
    '',
    '## Answers',
    '',
    'Success: `{"success": true, "data": …}`. Error: `{"success": false, "error": {"code", "message", "details", "requestId"}}`. Every response carries `X-Request-Id` and the rate-limit headers `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (Unix seconds).',
    '',
    'Any path under `/v1` not listed here answers 404 `NOT_FOUND`; a listed path with another method answers 405 `METHOD_NOT_ALLOWED` with an `Allow` header.',
    '',
    '| code | HTTP | when |',
    '|---|---|---|',
    ...codes.map((code) => `| \`${code}\` | ${ERROR_STATUS[code]} | ${ERROR_DOCS[code].when.replaceAll('|', '\\|')} |`),
    '',
    '## Limits',
    '',
    'Requests per minute per account: `standard` 60, `pro` 300, `enterprise` 1,000 or the account’s own limit; over it, 429 `RATE_LIMIT_EXCEEDED` with `Retry-After`. Messages per calendar month (UTC): `standard` 10,000, `pro` 100,000, `enterprise` 1,000,000 or the account’s own quota; past it, sends answer 429 `INSUFFICIENT_QUOTA`.',
  ].join('\n');
}

let built: { document: OpenApiDocument; json: string } | undefined;

/** The document of this server's routes, built once. */
export function openApiDocument(): { document: OpenApiDocument; json: string } {
  built ??= (() => {
    const document = buildOpenApiDocument();
    return { document, json: JSON.stringify(document) };
  })();
  return built;
}
