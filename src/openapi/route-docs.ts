import type { ErrorCode } from '../errors.js';
import { AGENT_LIMITS as L } from '../services/agent-input.js';
import { CHARACTER_LIMITS as C } from '../services/character-input.js';
import { ROTATION_GRACE } from '../services/key-management.js';
import { MESSAGE_LIMITS, USER_ID_PATTERN } from '../services/messages.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/pagination.js';
import { SCOPES, type Scope } from '../services/scopes.js';
import type { Refinement, SchemaRefinements } from './graphql-json-schema.js';

/**
 * The words of the API reference that code cannot derive: each route's summary, description,
 * tag and scope, and the bounds GraphQL types cannot express. Shapes, parameters, statuses and
 * most error codes come from the route table and the operations (src/openapi/document.ts).
 *
 * Keyed by `METHOD /path` exactly as in src/rest/routes.ts: building the document fails for a
 * route without an entry here, and for an entry without a route.
 */

export const TAGS = [
  { name: 'Agents', description: 'Create, list, read, change and delete agents.' },
  {
    name: 'Messages',
    description:
      'Talk to an agent: a plain request and response, or a stream of Server-Sent Events; and preview the prompt its model would get.',
  },
  { name: 'Conversations', description: 'The exchanges between one agent and one end user, and their turns.' },
  {
    name: 'Characters',
    description: 'Reusable personas agents speak as: create, list, read, change (every change is kept as a revision) and delete.',
  },
  { name: 'API keys', description: "Your account's keys: create (the secret is shown once), list, revoke, rotate." },
  { name: 'Accounts', description: 'Operators only (the `admin` scope): accounts, their tiers and limits.' },
] as const;

export type Tag = (typeof TAGS)[number]['name'];

export type RouteDoc = {
  summary: string;
  description: string;
  tag: Tag;
  /** The scope the route needs (checked by the contract test against real 403 answers). */
  scope: Scope;
  /**
   * Codes this route can give beyond those every route of its kind gives: when (or `true` for
   * the code's general meaning).
   */
  errors?: Partial<Record<ErrorCode, string | true>>;
  /** Path parameters: what each names. */
  params?: Record<string, string>;
};

const AGENT_ID = 'The agent’s ID (`agt_…`).';
const CONVERSATION_ID = 'The conversation’s ID (`cnv_…`).';
const KEY_ID = 'The API key’s ID (`key_…`).';
const ACCOUNT_ID = 'The account’s ID (`acc_…`).';
const CHARACTER_ID = 'The character’s ID (`chr_…`).';

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /agents': {
    summary: 'Create an agent',
    description:
      'Only `name` is required; every other field has a default (the `local` model provider, temperature 0.7, 1,024 tokens, status `active`). Unknown fields, and fields such as `id` or `createdAt`, are rejected.',
    tag: 'Agents',
    scope: 'agents:write',
    errors: { NOT_FOUND: '`characterId` names no character of your account.' },
  },
  'GET /agents': {
    summary: 'List agents',
    description: 'Your account’s agents, newest first, a page at a time.',
    tag: 'Agents',
    scope: 'agents:read',
  },
  'GET /agents/:agentId': {
    summary: 'Get an agent',
    description: 'One agent of your account.',
    tag: 'Agents',
    scope: 'agents:read',
    params: { agentId: AGENT_ID },
  },
  'PATCH /agents/:agentId': {
    summary: 'Update an agent',
    description:
      'Replaces each top-level field it names (a `personality` or `model` given replaces the whole object); `null` clears an optional field or restores its default. `name` cannot be cleared.',
    tag: 'Agents',
    scope: 'agents:write',
    params: { agentId: AGENT_ID },
    errors: { NOT_FOUND: '`characterId` names no character of your account.' },
  },
  'DELETE /agents/:agentId': {
    summary: 'Delete an agent',
    description: 'Deletes the agent with its conversations and messages.',
    tag: 'Agents',
    scope: 'agents:write',
    params: { agentId: AGENT_ID },
  },
  'POST /agents/:agentId/messages': {
    summary: 'Send a message',
    description: [
      'Sends the user’s `text` to the agent and answers with its reply in `data.response`. Both turns are stored in the conversation (one per agent and `userId`, unless `conversationId` names another of theirs), and the history feeds the model.',
      '',
      'When the agent has plugins enabled, the model may call their tools on the way (at most `maxToolSteps` model steps); `data.toolCalls` lists every call in order, `{callId, tool, arguments, result, error, latencyMs}` with exactly one of `result` and `error` (codes such as `TOOL_INVALID_ARGUMENTS`, `TOOL_TIMEOUT`, `TOOL_NETWORK_REFUSED`, `TOOL_HTTP_ERROR`). A failing tool never fails the send: the model is told, and answers. One send is one message of quota, whatever the steps.',
      '',
      'With `"stream": true` in the body, or `Accept: text/event-stream`, the answer is a stream of Server-Sent Events (status 200): `message.delta` events with the next piece of the reply (and, when the model calls tools, `tool.call` and `tool.result` events in order among them), then one `message.completed` with the same object a plain request returns, or an `error` event with the error object. A `: heartbeat` comment is sent every 15 s while the model is thinking. A request that fails before the reply starts gets the ordinary JSON error and status instead. A client that disconnects does not lose the reply: it is completed and stored.',
    ].join('\n'),
    tag: 'Messages',
    scope: 'messages:write',
    params: { agentId: AGENT_ID },
    errors: {
      NOT_FOUND: '`conversationId` names no conversation of this agent and user.',
      INSUFFICIENT_QUOTA: true,
      MODEL_ERROR: true,
      AGENT_UNAVAILABLE: true,
    },
  },
  'GET /agents/:agentId/prompt-preview': {
    summary: 'Preview the prompt',
    description:
      'The exact messages the agent’s model would receive next for this user (system prompt, history within the token budget, and `text` if given), without calling the model or storing anything. Since it shows the conversation’s history, it also needs the `conversations:read` scope (else 403).',
    tag: 'Messages',
    scope: 'agents:read',
    params: { agentId: AGENT_ID },
  },
  'GET /agents/:agentId/conversations': {
    summary: 'List an agent’s conversations',
    description: 'Newest first; `userId` narrows the list to one end user’s conversation.',
    tag: 'Conversations',
    scope: 'conversations:read',
    params: { agentId: AGENT_ID },
  },
  'GET /conversations/:conversationId': {
    summary: 'Get a conversation',
    description: 'One conversation of your account’s agents.',
    tag: 'Conversations',
    scope: 'conversations:read',
    params: { conversationId: CONVERSATION_ID },
  },
  'GET /conversations/:conversationId/messages': {
    summary: 'List a conversation’s messages',
    description:
      'Its turns, newest first: the user’s (with the outcome of the model call: `completed`, or `failed` with its `error`) and the agent’s.',
    tag: 'Conversations',
    scope: 'conversations:read',
    params: { conversationId: CONVERSATION_ID },
  },
  'DELETE /conversations/:conversationId': {
    summary: 'Delete a conversation',
    description: 'Deletes the conversation and its messages.',
    tag: 'Conversations',
    scope: 'messages:write',
    params: { conversationId: CONVERSATION_ID },
  },
  'POST /characters': {
    summary: 'Create a character',
    description: `Only \`name\` is required; omitted lists are empty. Bounds: name 1–${C.name} characters; bio, lore, topics, adjectives, knowledge, style.all and style.chat up to ${C.listItems} items of 1–${C.listItem} characters; tags up to ${C.tags} of 1–${C.tag}; system at most ${C.system} characters; greeting and scenario at most ${C.greeting}; messageExamples up to ${C.conversations} conversations of 1–${C.turns} turns, ${C.totalTurns} turns in all; metadata up to ${C.metadataPairs} string pairs. Creating it makes revision 1.`,
    tag: 'Characters',
    scope: 'characters:write',
  },
  'POST /characters/import': {
    summary: 'Import a character file',
    description:
      'The body is the file itself: an ElizaOS character file (the legacy shape or 1.x), a Character Card V2 or V3 (`spec: "chara_card_v2"` / `"chara_card_v3"`), or an OrionOS export. Answers the created character, the format it was read as, and `mapped` / `dropped`: the file’s fields (dotted paths) kept, and those with no place here (e.g. `clients`, `settings.secrets`) or cut to fit the bounds. Secrets in the file are never stored.',
    tag: 'Characters',
    scope: 'characters:write',
  },
  'GET /characters/:characterId/export': {
    summary: 'Export a character as a file',
    description:
      '`format=orion` (default; every field, lossless), `eliza` (an ElizaOS 1.x character file) or `ccv2` (a Character Card V2). `POST /characters/import` reads each back: the fields the format carries round-trip unchanged.',
    tag: 'Characters',
    scope: 'characters:read',
    params: { characterId: CHARACTER_ID },
  },
  'GET /characters': {
    summary: 'List characters',
    description: 'Your account’s characters, newest first, a page at a time.',
    tag: 'Characters',
    scope: 'characters:read',
  },
  'GET /characters/:characterId': {
    summary: 'Get a character',
    description: 'One character of your account, at its latest revision (`revision`).',
    tag: 'Characters',
    scope: 'characters:read',
    params: { characterId: CHARACTER_ID },
  },
  'PATCH /characters/:characterId': {
    summary: 'Update a character',
    description:
      'Replaces each top-level field it names; `null` clears an optional field (or empties a list). `name` cannot be cleared. Every change makes a new revision (`revision` + 1); agents that follow the character see it at once, pinned ones keep their revision.',
    tag: 'Characters',
    scope: 'characters:write',
    params: { characterId: CHARACTER_ID },
  },
  'DELETE /characters/:characterId': {
    summary: 'Delete a character',
    description:
      'Deletes the character and its revisions. While agents use it the answer is 409 `CHARACTER_IN_USE` (`details.agents` says how many), unless `force=true`: then those agents are detached (left with no character) in the same transaction.',
    tag: 'Characters',
    scope: 'characters:write',
    params: { characterId: CHARACTER_ID },
    errors: { CHARACTER_IN_USE: true },
  },
  'GET /characters/:characterId/revisions': {
    summary: 'List a character’s revisions',
    description: 'Every revision (an immutable snapshot of the character’s fields), newest first.',
    tag: 'Characters',
    scope: 'characters:read',
    params: { characterId: CHARACTER_ID },
  },
  'GET /characters/:characterId/revisions/:number': {
    summary: 'Get a revision of a character',
    description: 'The character’s fields as they were at that revision.',
    tag: 'Characters',
    scope: 'characters:read',
    params: { characterId: CHARACTER_ID, number: 'The revision number (1 is the creation).' },
  },
  'POST /api-keys': {
    summary: 'Create an API key',
    description:
      'A new key of your account, with at most the scopes of the key creating it. Its secret is in `data.secret`, shown this once and never stored.',
    tag: 'API keys',
    scope: 'keys:manage',
  },
  'GET /api-keys': {
    summary: 'List API keys',
    description: 'Your account’s keys, newest first, revoked ones included. Never their secrets.',
    tag: 'API keys',
    scope: 'keys:manage',
  },
  'DELETE /api-keys/:keyId': {
    summary: 'Revoke an API key',
    description: 'Revokes the key at once: every later request with it is refused with 401. The calling key must hold every scope of the revoked one (else 403).',
    tag: 'API keys',
    scope: 'keys:manage',
    params: { keyId: KEY_ID },
  },
  'POST /api-keys/:keyId/rotate': {
    summary: 'Rotate an API key',
    description: `Issues a new secret (in \`data.secret\`, shown once); the old one keeps working for the grace period (default ${ROTATION_GRACE.defaultSeconds} s, at most ${ROTATION_GRACE.maxSeconds} s). The body is optional.`,
    tag: 'API keys',
    scope: 'keys:manage',
    params: { keyId: KEY_ID },
  },
  'POST /accounts': {
    summary: 'Create an account',
    description:
      'Operators only. Creates an account and its first API key (every scope but `admin`); the key’s secret is in `data.secret`, shown this once.',
    tag: 'Accounts',
    scope: 'admin',
  },
  'GET /accounts': {
    summary: 'List accounts',
    description: 'Operators only. Every account, newest first, with its message usage this month.',
    tag: 'Accounts',
    scope: 'admin',
  },
  'GET /accounts/:accountId': {
    summary: 'Get an account',
    description: 'Operators only. One account, with its message usage this month.',
    tag: 'Accounts',
    scope: 'admin',
    params: { accountId: ACCOUNT_ID },
  },
  'PATCH /accounts/:accountId': {
    summary: 'Update an account',
    description:
      'Operators only. Changes the name, tier or limits; `null` limits go back to the tier default.',
    tag: 'Accounts',
    scope: 'admin',
    params: { accountId: ACCOUNT_ID },
  },
};

const text = (maxLength: number, minLength?: number): Refinement => ({
  ...(minLength !== undefined ? { minLength } : {}),
  maxLength,
});

const metadata: Refinement = {
  maxProperties: L.metadataPairs,
  propertyNames: { minLength: 1, maxLength: L.metadataKey },
  additionalProperties: { maxLength: L.metadataValue },
};

const userId: Refinement = {
  minLength: 1,
  maxLength: MESSAGE_LIMITS.userId,
  pattern: USER_ID_PATTERN.source,
  examples: ['user_123'],
};

const characterList: Refinement = { maxItems: C.listItems, items: text(C.listItem, 1) };

const characterMetadata: Refinement = {
  maxProperties: C.metadataPairs,
  propertyNames: { minLength: 1, maxLength: C.metadataKey },
  additionalProperties: { maxLength: C.metadataValue },
};

/** The bounds of one character input type's fields (create and update share them). */
function characterInput(type: 'CreateCharacterInput' | 'UpdateCharacterInput'): Record<string, Refinement> {
  return {
    [`${type}.name`]: { ...text(C.name, 1), ...(type === 'UpdateCharacterInput' ? { nullable: false } : { examples: ['Ada'] }) },
    [`${type}.username`]: text(C.username),
    ...Object.fromEntries(['bio', 'lore', 'topics', 'adjectives', 'knowledge'].map((f) => [`${type}.${f}`, characterList])),
    [`${type}.messageExamples`]: { maxItems: C.conversations, items: { minItems: 1, maxItems: C.turns } },
    [`${type}.system`]: text(C.system),
    [`${type}.greeting`]: text(C.greeting),
    [`${type}.scenario`]: text(C.scenario),
    [`${type}.tags`]: { maxItems: C.tags, items: text(C.tag, 1) },
    [`${type}.metadata`]: characterMetadata,
  };
}

/** Bounds and defaults the services enforce, which GraphQL types cannot say. */
export const REFINEMENTS: SchemaRefinements = {
  inputs: {
    'CreateAgentInput.name': { ...text(L.name, 1), examples: ['MyAgent'] },
    'CreateAgentInput.description': text(L.description),
    'CreateAgentInput.systemPrompt': text(L.systemPrompt),
    'CreateAgentInput.metadata': metadata,
    'CreateAgentInput.status': { default: 'active' },
    'UpdateAgentInput.name': { ...text(L.name, 1), nullable: false },
    'UpdateAgentInput.description': text(L.description),
    'UpdateAgentInput.systemPrompt': text(L.systemPrompt),
    'UpdateAgentInput.metadata': metadata,
    'CreateAgentInput.characterRevision': { minimum: 1 },
    'UpdateAgentInput.characterRevision': { minimum: 1 },
    ...characterInput('CreateCharacterInput'),
    ...characterInput('UpdateCharacterInput'),
    'CharacterStyleInput.all': characterList,
    'CharacterStyleInput.chat': characterList,
    'CharacterTurnInput.text': text(C.turnText, 1),
    'PersonalityInput.traits': { maxItems: L.traits, items: text(L.trait, 1), examples: [['helpful', 'friendly']] },
    'PersonalityInput.tone': { ...text(L.tone, 1), default: 'neutral' },
    'PersonalityInput.bio': text(L.bio),
    'PersonalityInput.style': { maxItems: L.style, items: text(L.styleRule, 1) },
    'PersonalityInput.examples': { maxItems: L.examples },
    'PersonalityExampleInput.user': text(L.exampleText, 1),
    'PersonalityExampleInput.agent': text(L.exampleText, 1),
    'ModelConfigInput.provider': { default: 'local' },
    'ModelConfigInput.name': text(L.modelName, 1),
    'ModelConfigInput.temperature': { minimum: 0, maximum: 2, default: 0.7 },
    'ModelConfigInput.maxTokens': { minimum: 1, maximum: L.maxTokens, default: 1024 },
    'SendMessageInput.text': { ...text(MESSAGE_LIMITS.text, 1), examples: ['Hello!'] },
    'SendMessageInput.userId': userId,
    'SendMessageInput.metadata': metadata,
    'CreateAccountInput.name': text(100, 1),
    'CreateAccountInput.tier': { default: 'standard' },
    'CreateAccountInput.rateLimitPerMinute': { minimum: 1, maximum: 1_000_000 },
    'CreateAccountInput.monthlyMessageQuota': { minimum: 0, maximum: 1_000_000_000 },
    'UpdateAccountInput.name': { ...text(100, 1), nullable: false },
    'UpdateAccountInput.tier': { nullable: false },
    'UpdateAccountInput.rateLimitPerMinute': { minimum: 1, maximum: 1_000_000 },
    'UpdateAccountInput.monthlyMessageQuota': { minimum: 0, maximum: 1_000_000_000 },
    'CreateApiKeyInput.name': text(100, 1),
    'CreateApiKeyInput.scopes': { minItems: 1, maxItems: SCOPES.length, items: { enum: [...SCOPES] } },
    'CreateApiKeyInput.environment': { default: 'live' },
    'RotateApiKeyInput.gracePeriodSeconds': {
      minimum: 0,
      maximum: ROTATION_GRACE.maxSeconds,
      default: ROTATION_GRACE.defaultSeconds,
    },
  },
  outputs: {
    'ApiKey.scopes': { items: { enum: [...SCOPES] } },
    'ApiKey.prefix': { examples: ['orn_live_6253'] },
    'CreateAccountPayload.secret': { pattern: '^orn_(live|test)_', examples: ['orn_live_6253CvchAc7FEMWq3UemK4QZ8p53RCEeVZ3WYi10d4o'] },
    'CreatedApiKey.secret': { pattern: '^orn_(live|test)_' },
    'RotatedApiKey.secret': { pattern: '^orn_(live|test)_' },
    'MessageUsage.period': { pattern: '^\\d{4}-\\d{2}$', examples: ['2026-01'] },
    'PromptMessage.role': { enum: ['system', 'user', 'assistant'] },
  },
};

/** Query parameters: bounds by name (the GraphQL variable of the same name gives the type). */
export const PARAM_REFINEMENTS: Record<string, Refinement & { description: string }> = {
  page: { description: 'Page number, 1 or more.', minimum: 1, default: 1 },
  limit: { description: `Items per page, 1–${MAX_PAGE_SIZE}.`, minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  userId: { ...userId, description: 'The end user’s identifier, as sent with their messages.' },
  text: { ...text(MESSAGE_LIMITS.text, 1), description: 'A next message to include, as a send would.' },
  force: { description: 'Detach the agents that use the character instead of answering 409 CHARACTER_IN_USE.', default: false },
};
