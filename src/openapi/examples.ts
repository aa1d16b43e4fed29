import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import { prefixOfType } from '../ids.js';
import { ERROR_DOCS, errorComponentName } from './errors.js';
import type { ExampleObject, JsonSchema, MediaTypeObject, OpenApiDocument, OperationObject, ParameterObject, Reference, ResponseObject } from './types.js';

/**
 * Examples for every parameter, request body and response of the document, made from their
 * schemas: the values below for fields by name, otherwise the schema's own `examples`, `const`,
 * enum or bounds. Deterministic, so the document does not change between builds; every example
 * is validated against its schema by test/openapi/examples.test.ts.
 */

const ULID = '01JD4S9X6Q0M4W2T8ZK7Y3N5HB';
const TIMESTAMP = '2026-11-29T10:15:00.000Z';
const REQUEST_ID = 'req_01JD4S9X6Q0M4W2T8ZK7Y3N5HB';

/** Values by property (or parameter) name; `Type.field` wins over `field`. */
const VALUES: Record<string, unknown> = {
  name: 'Support Bot',
  'Character.name': 'Nova',
  'CreateCharacterInput.name': 'Nova',
  'UpdateCharacterInput.name': 'Nova',
  'ApiKey.name': 'CI deploy key',
  'CreateApiKeyInput.name': 'CI deploy key',
  'Account.name': 'Acme Corp',
  'CreateAccountInput.name': 'Acme Corp',
  'Plugin.name': 'Time',
  'Plugin.description': 'The current date and time in any time zone.',
  'Agent.characterRevision': null,
  'McpServer.url': 'https://mcp.example.com/mcp',
  'McpServer.status': 'ready',
  status: 'active',
  // The only IDs without a prefix are the plugins' (`time`, `calculator`, `http`).
  id: 'time',
  'UpdateAccountInput.name': 'Acme Corp',
  'ModelConfigInput.name': 'local',
  'ModelConfig.name': 'local',
  'model.name': 'local',
  'tool.name': 'lookup_order',
  'Plugin.tool.name': 'current_time',
  'Plugin.tool.description': 'The current date and time in a time zone.',
  'tool.title': 'Look up an order',
  'tool.description': 'Finds an order by its number and tells its status.',
  'CreateToolInput.description': 'The current weather in a city.',
  'UpdateToolInput.description': 'The current weather in a city.',
  'Tool.description': 'The current weather in a city.',
  'CreateWebhookInput.description': 'CRM sync',
  'UpdateWebhookInput.description': 'CRM sync',
  'Webhook.description': 'CRM sync',
  'CreateMcpServerInput.description': 'Our CRM’s tools.',
  'UpdateMcpServerInput.description': 'Our CRM’s tools.',
  'McpServer.description': 'Our CRM’s tools.',
  'CreateCharacterInput.bio': ['Nova has mapped the night sky for thirty years.'],
  'UpdateCharacterInput.bio': ['Nova has mapped the night sky for thirty years.'],
  'Character.bio': ['Nova has mapped the night sky for thirty years.'],
  'CharacterRevision.bio': ['Nova has mapped the night sky for thirty years.'],
  all: ['warm', 'precise'],
  chat: ['asks one question at a time'],
  rating: 'like',
  revision: 1,
  username: 'nova',
  description: 'Answers questions about orders and refunds.',
  title: 'Refund policy',
  documentTitle: 'Refund policy',
  heading: 'Refunds',
  text: 'Hi! Can I still return the shoes I bought last week?',
  response: 'Yes: purchases can be returned within 30 days. Do you have your order number?',
  delta: 'Yes: purchases',
  content: '# Refund policy\n\nPurchases can be returned within 30 days.',
  snippet: 'Can I still <mark>return</mark> the shoes',
  systemPrompt: 'You are a friendly support agent for an online shoe shop.',
  system: 'You are Nova, a patient guide to the night sky.',
  greeting: 'Hello! What would you like to know about the stars tonight?',
  scenario: 'A stargazing evening on a quiet hill.',
  tone: 'friendly',
  bio: 'A patient support agent who knows the shop inside out.',
  user: 'Where is my order?',
  agent: 'Let me look it up: what is your order number?',
  userId: 'user-1842',
  comment: 'Clear and quick answer.',
  reason: 'paused',
  provider: 'local',
  model: 'local',
  timeZone: 'Europe/Paris',
  city: 'Paris',
  q: 'refund',
  tool: 'time.now',
  callId: 'call_1',
  format: 'markdown',
  pluginId: 'time',
  field: 'name',
  message: 'Expected a string of 1–100 characters.',
  code: 'TOOL_TIMEOUT',
  'ToolCall.error': null,
  lastMessageAt: TIMESTAMP,
  lastUsedAt: TIMESTAMP,
  toolsListedAt: TIMESTAMP,
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-11-29T00:00:00.000Z',
  messages: 48,
  conversationsStarted: 6,
  activeUsers: 5,
  turns: 24,
  failedTurns: 0,
  likes: 9,
  dislikes: 1,
  ratedTurns: 10,
  toolCalls: 3,
  messageCount: 2,
  url: 'https://hooks.example.com/orion',
  idempotencyKey: '4f1c2a9e-6d0b-4a51-9a5e-0d9c6c3b2f10',
  requestId: REQUEST_ID,
  metadata: { team: 'support' },
  arguments: { timeZone: 'Europe/Paris' },
  result: { now: '2026-11-29T11:15:00+01:00' },
  config: {},
  traits: ['helpful', 'patient'],
  topics: ['astronomy'],
  adjectives: ['curious'],
  tags: ['astronomy'],
  style: ['short sentences'],
  events: ['agent.created', 'message.completed'],
  scopes: ['agents:read', 'agents:write'],
  headerNames: ['X-Api-Key'],
  temperature: 0.7,
  maxTokens: 1024,
  maxToolSteps: 5,
  timeoutMs: 5000,
  latencyMs: 840,
  inputTokens: 412,
  outputTokens: 38,
  totalTokens: 450,
  page: 1,
  limit: 20,
  currentPage: 1,
  totalPages: 1,
  totalItems: 1,
  itemsPerPage: 20,
  score: 0.82,
  rank: 0.61,
  p50: 820,
  p95: 1900,
  errorRate: 0,
  satisfaction: 0.9,
};

/** Request bodies whose schema says too little to make a telling example from, by operation ID. */
const REQUEST_BODIES: Record<string, unknown> = {
  importCharacter: {
    name: 'Nova',
    bio: ['Nova has mapped the night sky for thirty years.'],
    lore: ['Once named a comet after her cat.'],
    topics: ['astronomy'],
    adjectives: ['curious'],
    style: { all: ['warm', 'precise'], chat: ['asks one question at a time'] },
    messageExamples: [[{ user: '{{user1}}', content: { text: 'What is that bright star?' } }, { user: 'Nova', content: { text: 'That is Vega, in Lyra.' } }]],
  },
};

/** Strings for the patterns that are not prefixed IDs. */
const PATTERN_VALUES: Record<string, string> = {
  '^[A-Za-z0-9._:@+-]+$': 'user-1842',
  '^whsec_': 'whsec_MfKQ9r8GKYqrTQv3ZBc7W1YQ1m2a0xQk',
  '^orn_(live|test)_': 'orn_live_4q8ZC2vJ7yTn0bX5mWk9R1sLd3HfGp6e',
  '^[0-9a-f]{64}$': '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  '^\\d{4}-\\d{2}$': '2026-11',
  "^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$": 'X-Api-Key',
  '^[a-z0-9][a-z0-9_-]{0,31}$': 'crm-tools',
  '^[A-Za-z][A-Za-z0-9_-]{0,63}$': 'get_weather',
  '^[A-Za-z0-9._:-]{1,128}$': 'checkout-7f3a2c',
  '^[\\x21-\\x7e]{1,255}$': '4f1c2a9e-6d0b-4a51-9a5e-0d9c6c3b2f10',
};

const ID_PATTERN = /^\^([a-z]+)_\[0-9A-HJKMNP-TV-Z\]\{26\}\$$/;

/** `keyId` names an ApiKey, ...: parameters whose name is not their type's. */
const ID_TYPE_ALIASES: Record<string, string> = {
  Key: 'ApiKey',
  Document: 'KnowledgeDocument',
  Delivery: 'WebhookDelivery',
  Event: 'WebhookEvent',
};

/** `agt_01JD…`: an ID of the type a parameter or field names (`agentId`, `webhookId`, ...). */
function idOf(name: string): string | undefined {
  if (name === 'pluginId') return 'time';
  const stem = name.endsWith('Id') ? name[0]!.toUpperCase() + name.slice(1, -2) : undefined;
  const type = stem ? (ID_TYPE_ALIASES[stem] ?? stem) : undefined;
  const prefix = type ? prefixOfType(type) : undefined;
  return prefix ? `${prefix}_${ULID}` : undefined;
}

type Sampler = { components: Record<string, JsonSchema>; request: boolean };

/** A value valid against `schema`, for a property called `name` of the component `owner`. */
export function sample(schema: JsonSchema, name: string | undefined, ctx: Sampler, owner?: string, depth = 0): unknown {
  if (depth > 12) return null;
  if (schema.$ref) {
    const component = schema.$ref.split('/').pop()!;
    return sample(ctx.components[component] ?? {}, name, ctx, component, depth + 1);
  }
  // `Type.field` first, then the schema's own example, then `field`.
  const qualified = name !== undefined && owner !== undefined && Object.hasOwn(VALUES, `${owner}.${name}`);
  const byName = qualified ? VALUES[`${owner}.${name}`] : schema.examples?.length ? undefined : name !== undefined ? VALUES[name] : undefined;
  if (schema.const !== undefined) return schema.const;
  // An answer leaves a nullable field null unless it has a value here (a webhook that is enabled
  // has no `disabledReason`; a tool call that worked has no `error`).
  if (name !== undefined && allowsNull(schema) && (byName === null || (byName === undefined && !ctx.request))) return null;
  if (schema.examples?.length && byName === undefined) return schema.examples[0];
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) {
    const chosen = variants.find((v) => v.type !== 'null') ?? variants[0]!;
    return sample(chosen, name, ctx, owner, depth + 1);
  }
  if (schema.enum) {
    if (byName !== undefined && schema.enum.includes(byName)) return byName;
    return schema.enum.find((v) => v !== null) ?? null;
  }
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t !== 'null') ?? (types.length ? 'null' : undefined);
  switch (type) {
    case 'null':
      return null;
    case 'object':
      return sampleObject(schema, name, ctx, owner, depth, byName);
    case 'array': {
      if (byName !== undefined && Array.isArray(byName)) return byName;
      const item = sample(schema.items ?? {}, name ? singular(name) : undefined, ctx, owner, depth + 1);
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => item);
    }
    case 'string':
      return sampleString(schema, name, byName);
    case 'integer':
    case 'number': {
      if (typeof byName === 'number' && inBounds(schema, byName)) return byName;
      const value = schema.minimum ?? (name?.endsWith('Count') || name === 'revision' || name === 'number' ? 1 : 0);
      return schema.maximum !== undefined ? Math.min(value, schema.maximum) : value;
    }
    case 'boolean':
      return typeof byName === 'boolean' ? byName : true;
    default:
      return byName ?? {};
  }
}

function sampleObject(schema: JsonSchema, name: string | undefined, ctx: Sampler, owner: string | undefined, depth: number, byName: unknown): unknown {
  if (!schema.properties) {
    if (byName && typeof byName === 'object' && !Array.isArray(byName)) return byName;
    return {};
  }
  const required = new Set(schema.required ?? []);
  const result: Record<string, unknown> = {};
  for (const [property, inner] of Object.entries(schema.properties)) {
    // A request shows what it needs and the fields with a telling value; an answer shows everything.
    if (ctx.request && !required.has(property) && !hasValue(owner, property) && !isObjectLike(inner, ctx)) continue;
    // A field of a nested object may have a value of its own: `model.name`, a listed `tool.name`.
    const nested = name === undefined || inner.$ref ? [] : [`${owner}.${name}.${property}`, `${name}.${property}`];
    const key = nested.find((k) => Object.hasOwn(VALUES, k));
    result[property] = key ? VALUES[key] : sample(inner, property, ctx, owner, depth + 1);
  }
  return result;
}

function allowsNull(schema: JsonSchema): boolean {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.includes('null') || (schema.anyOf ?? schema.oneOf ?? []).some((v) => v.type === 'null');
}

function hasValue(owner: string | undefined, property: string): boolean {
  return Object.hasOwn(VALUES, property) || (owner !== undefined && Object.hasOwn(VALUES, `${owner}.${property}`));
}

/** Nested input objects (a `personality`, a `model`) are worth showing in a request. */
function isObjectLike(schema: JsonSchema, ctx: Sampler): boolean {
  const target = schema.$ref ?? (schema.anyOf ?? schema.oneOf)?.find((v) => v.$ref)?.$ref;
  return target !== undefined && ctx.components[target.split('/').pop()!]?.properties !== undefined;
}

function sampleString(schema: JsonSchema, name: string | undefined, byName: unknown): string {
  if (schema.pattern) {
    const id = ID_PATTERN.exec(schema.pattern);
    if (id) return `${id[1]}_${ULID}`;
    const value = PATTERN_VALUES[schema.pattern];
    if (value !== undefined) return value;
  }
  if (schema.format === 'date-time') return TIMESTAMP;
  if (schema.format === 'uri') return typeof byName === 'string' ? byName : 'https://example.com/';
  if (typeof byName === 'string') return byName;
  const id = name ? idOf(name) : undefined;
  if (id) return id;
  const fallback = name ? `${name} example` : 'example';
  return fallback.slice(0, schema.maxLength ?? fallback.length).padEnd(schema.minLength ?? 0, 'x');
}

function inBounds(schema: JsonSchema, value: number): boolean {
  return (schema.minimum === undefined || value >= schema.minimum) && (schema.maximum === undefined || value <= schema.maximum);
}

function singular(name: string): string {
  if (name.endsWith('ies')) return `${name.slice(0, -3)}y`;
  return name.endsWith('s') ? name.slice(0, -1) : name;
}

/** The error object of one code, as a route would give it. */
export function errorExample(code: ErrorCode, operation: OperationObject | undefined, pathExample: Record<string, unknown>): Record<string, unknown> {
  const example = ERROR_DOCS[code].example;
  let { message, details } = example;
  const scope = operation?.security[0]?.['bearerAuth']?.[0];
  if (code === 'FORBIDDEN' && scope) {
    message = `This API key lacks the "${scope}" scope`;
    details = { requiredScope: scope };
  }
  const agentId = pathExample['agentId'];
  if (code === 'AGENT_NOT_FOUND' && typeof agentId === 'string') {
    message = `Agent ${JSON.stringify(agentId)} was not found`;
    details = { id: agentId };
  }
  return { code, message, details, requestId: REQUEST_ID };
}

function errorCodesOf(schema: JsonSchema): ErrorCode[] {
  const error = schema.properties?.['error'];
  if (!error) return [];
  return (error.oneOf ?? [error]).flatMap((s) => {
    const name = s.$ref?.split('/').pop();
    const code = (Object.keys(ERROR_STATUS) as ErrorCode[]).find((c) => name === errorComponentName(c));
    return code ? [code] : [];
  });
}

/**
 * Error examples are shared components (one per code, and per scope for FORBIDDEN), referred to
 * from each response: the same few objects would otherwise be repeated on every route, making the
 * document a third larger for Swagger UI to load.
 */
function errorExampleRef(code: ErrorCode, operation: OperationObject | undefined, pathExample: Record<string, unknown>, shared: Record<string, ExampleObject>): Reference {
  const value = { success: false, error: errorExample(code, operation, pathExample) };
  const scope = code === 'FORBIDDEN' ? (value.error['details'] as { requiredScope?: string }).requiredScope : undefined;
  const name = scope ? `${errorComponentName(code)}-${scope.replace(/[^A-Za-z0-9]/g, '-')}` : errorComponentName(code);
  const existing = shared[name];
  if (existing && JSON.stringify(existing.value) !== JSON.stringify(value)) throw new Error(`OpenAPI: two different examples named ${name}`);
  shared[name] ??= { summary: code, value };
  return { $ref: `#/components/examples/${name}` };
}

function addResponseExamples(
  response: ResponseObject,
  ctx: Sampler,
  shared: Record<string, ExampleObject>,
  operation: OperationObject | undefined,
  pathExample: Record<string, unknown>,
): void {
  const media = response.content?.['application/json'];
  if (!media || media.example !== undefined || media.examples) return;
  const schema = media.schema;
  if (schema.properties?.['success']?.const === false) {
    media.examples = Object.fromEntries(errorCodesOf(schema).map((code) => [code, errorExampleRef(code, operation, pathExample, shared)]));
  } else {
    media.example = sample(schema, undefined, ctx);
  }
}

function isReference(value: object): value is Reference {
  return '$ref' in value;
}

/** Adds an example to each parameter, request body and response that has none. */
export function addExamples(document: OpenApiDocument): void {
  const operationIds = Object.values(document.paths).flatMap((item) => Object.values(item).flatMap((o) => (typeof o === 'object' ? [o.operationId] : [])));
  const orphans = Object.keys(REQUEST_BODIES).filter((id) => !operationIds.includes(id));
  if (orphans.length) throw new Error(`OpenAPI: request examples for operations that do not exist: ${orphans.join(', ')}`);
  const answers: Sampler = { components: document.components.schemas, request: false };
  const shared: Record<string, ExampleObject> = {};
  const requests: Sampler = { components: document.components.schemas, request: true };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      if (typeof operation !== 'object') continue;
      const pathExample: Record<string, unknown> = {};
      for (const parameter of operation.parameters) {
        if (isReference(parameter)) continue;
        parameter.example ??= parameterExample(parameter, requests);
        pathExample[parameter.name] = parameter.example;
      }
      const body: MediaTypeObject | undefined = operation.requestBody?.content['application/json'];
      if (body && body.example === undefined) body.example = REQUEST_BODIES[operation.operationId] ?? sample(body.schema, undefined, requests);
      for (const response of Object.values(operation.responses)) {
        if (!isReference(response)) addResponseExamples(response, answers, shared, operation, pathExample);
      }
    }
  }
  for (const parameter of Object.values(document.components.parameters)) parameter.example ??= parameterExample(parameter, requests);
  for (const response of Object.values(document.components.responses)) addResponseExamples(response, answers, shared, undefined, {});
  document.components.examples = Object.fromEntries(Object.entries(shared).sort(([a], [b]) => a.localeCompare(b)));
}

function parameterExample(parameter: ParameterObject, ctx: Sampler): unknown {
  if (parameter.in === 'path') return idOf(parameter.name) ?? sample(parameter.schema, parameter.name, ctx);
  return sample(parameter.schema, parameter.name, ctx);
}
