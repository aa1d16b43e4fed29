import type { ErrorCode } from '../errors.js';
import { AGENT_LIMITS as L } from '../services/agent-input.js';
import { ANALYTICS_INTERVALS, ANALYTICS_LIMITS as AN } from '../services/analytics.js';
import { CHARACTER_LIMITS as C } from '../services/character-input.js';
import { ROTATION_GRACE } from '../services/key-management.js';
import { TOOL_LIMITS as T, TOOL_NAME_PATTERN } from '../services/tools/custom-tools.js';
import { SEARCH_LIMITS, SNIPPET_MARKS } from '../services/conversation-search.js';
import { HYBRID, KNOWLEDGE_SEARCH_LIMITS as KS } from '../services/knowledge/retrieval.js';
import { MAX_CONCURRENT_EXPORTS } from '../services/conversation-export.js';
import { FEEDBACK_LIMITS } from '../services/feedback.js';
import { MESSAGE_LIMITS, USER_ID_PATTERN } from '../services/messages.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/pagination.js';
import { SCOPES, type Scope } from '../services/scopes.js';
import { OUTBOUND_URL_MAX_LENGTH } from '../services/outbound/url.js';
import { WEBHOOK_LIMITS as W } from '../services/webhooks/endpoints.js';
import { KNOWLEDGE_LANGUAGES, KNOWLEDGE_LIMITS as K } from '../services/knowledge/documents.js';
import { MCP_SERVER_LIMITS as M, MCP_SERVER_NAME_PATTERN, RESERVED_MCP_HEADERS } from '../services/mcp/server-input.js';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from '../services/webhooks/event-types.js';
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
    name: 'Analytics',
    description: 'Conversation analytics of an agent or of the whole account: totals and a gap-free series in your time zone.',
  },
  {
    name: 'Characters',
    description: 'Reusable personas agents speak as: create, list, read, change (every change is kept as a revision) and delete.',
  },
  {
    name: 'Plugins and tools',
    description:
      'The plugin catalog; the plugins an agent has enabled, with their configs; and its custom HTTP tools, called by the model and signed like webhooks with the agent’s tool secret.',
  },
  {
    name: 'Webhooks',
    description:
      'Endpoints OrionOS POSTs your account’s events to, signed per Standard Webhooks; their deliveries, with every attempt, and redelivery.',
  },
  {
    name: 'Knowledge',
    description:
      'Documents (`doc_…`) of your account, chunked and indexed for search; attached to agents, whose answers draw on them. A character’s knowledge entries are a document of their own, managed by OrionOS.',
  },
  {
    name: 'MCP servers',
    description:
      'MCP servers (`mcs_…`) your account registers as sources of tools (Model Context Protocol, Streamable HTTP): OrionOS lists their tools, and agents use all of them or those chosen.',
  },
  { name: 'API keys', description: "Your account's keys: create (the secret is shown once), list, revoke, rotate." },
  { name: 'Accounts', description: 'Operators only (the `admin` scope): accounts, their tiers and limits.' },
] as const;

export type Tag = (typeof TAGS)[number]['name'];

export type RouteDoc = {
  summary: string;
  description: string;
  tag: Tag;
  /**
   * The scope the route needs, or every scope it needs (checked by the contract test against
   * real 403 answers).
   */
  scope: Scope | Scope[];
  /**
   * Codes this route can give beyond those every route of its kind gives: when (or `true` for
   * the code's general meaning).
   */
  errors?: Partial<Record<ErrorCode, string | true>>;
  /** Path parameters: what each names. */
  params?: Record<string, string>;
  /** Query parameters whose bounds differ from PARAM_REFINEMENTS' (by name) on this route. */
  query?: Record<string, Refinement & { description: string }>;
  /** A download route (RestRoute.download): each media type it answers with, what the file holds, an example. */
  download?: Record<string, { description: string; example: string }>;
};

const AGENT_ID = 'The agent’s ID (`agt_…`).';
const CONVERSATION_ID = 'The conversation’s ID (`cnv_…`).';
const MESSAGE_ID = 'The message’s ID (`msg_…`): an agent’s reply.';
const KEY_ID = 'The API key’s ID (`key_…`).';
const ACCOUNT_ID = 'The account’s ID (`acc_…`).';
const CHARACTER_ID = 'The character’s ID (`chr_…`).';
const PLUGIN_ID = 'The plugin’s ID in the catalog (`time`, `calculator`, `http`).';
const TOOL_ID = 'The tool’s ID (`tol_…`).';
const WEBHOOK_ID = 'The webhook endpoint’s ID (`whk_…`).';
const EXPORT_LIMITS = `A client that disconnects stops the reading; one that reads nothing for 60 s is cut off. An account runs at most ${MAX_CONCURRENT_EXPORTS} exports at once (per instance): one more is 429 \`RATE_LIMIT_EXCEEDED\` with \`details.reason: "concurrent_exports"\` and \`Retry-After\`, until one ends.`;
const DELIVERY_ID = 'The delivery’s ID (`dlv_…`).';
const DOCUMENT_ID = 'The knowledge document’s ID (`doc_…`).';
const MCP_SERVER_ID = 'The MCP server’s ID (`mcs_…`).';
const MCP_SERVER_SHAPE =
  '`data`: `{id, name, description, url, headerNames, timeoutMs, status, tools: [{name, title, description, inputSchema, annotations}], toolsListedAt, lastError: {code, message} | null, createdAt, updatedAt}`. `status` is `ready` when the last listing of its tools worked, `error` when it failed: `lastError.code` says why (`TOOL_NETWORK_REFUSED`, `TOOL_TIMEOUT`, `TOOL_HTTP_ERROR`, `TOOL_RESPONSE_TOO_LARGE`, `TOOL_INVALID_RESPONSE`, `TOOL_FAILED`), and `tools` keeps the last list that worked. Header values are never shown: `headerNames` only.';
const MCP_LISTING =
  'OrionOS connects to the server and lists its tools (`tools/list`, at most 200) before answering, outside any lock. A server that cannot be listed (down, refusing, too slow, a private address while the operator does not allow private networks) is stored all the same, with `status: "error"` and `lastError`: the write never fails because the server does; `POST /v1/mcp-servers/{mcpServerId}/refresh` lists again.';
const KNOWLEDGE_UPLOAD = `Stores a text or Markdown document (\`text\` not blank, at most ${K.textBytes} bytes, 512 KiB, in UTF-8) split in chunks of at most about 1,200 characters (Markdown sections are never mixed) and indexed for full-text search in its \`language\` (default \`english\`), and embedded when an embedding model is configured. \`title\` defaults to the first Markdown heading, else the first line. Idempotent by content: the same text, format and language again answers 200 with the document already stored (the same \`id\`); new content answers 201. An account holds at most ${K.perAccount} uploaded documents (one more is 400 \`INVALID_REQUEST\` on \`text\`).`;
const CHARACTER_DOCUMENT =
  'A character’s knowledge document (`characterId` set) is managed by OrionOS and read-only here: 400 `INVALID_REQUEST` on `documentId`.';

const EVENT_TYPES = `${WEBHOOK_EVENT_TYPES.map((t) => `\`${t}\``).join(', ')}, or \`"${ALL_EVENTS}"\` for every type (including those added later)`;

/** How webhooks are delivered: said once, on the create route. */
const WEBHOOK_DELIVERY = [
  `OrionOS POSTs each event the endpoint subscribes to (${EVENT_TYPES}) as JSON: \`{"id": "evt_…", "type": "agent.created", "createdAt": "…", "data": {…}}\`, \`data\` being the resource exactly as the REST API returns it (\`webhook.test\`: \`{webhookId}\`). The event is recorded in the same transaction as the change that caused it.`,
  '',
  'Each request is signed per the Standard Webhooks specification: `webhook-id` (the event’s ID, the same on every retry: use it to drop duplicates), `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` keyed with the secret). Any Standard Webhooks library verifies it with the secret (the SDK: `orion.webhooks.verify(body, headers, secret)`); reject stale timestamps (5 minutes).',
  '',
  'A delivery succeeds on any 2xx answer within 10 s. Anything else (another status, a timeout, a network error, an address refused because it is private) fails the attempt, and it is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (8 attempts over about 27.6 hours), after which the delivery is `failed`. Delivery is at least once, not in order. A `410 Gone` answer disables the endpoint at once (`disabledReason: "endpoint_gone"`); an endpoint whose every attempt has failed for 3 days is disabled too (`disabledReason: "failing"`). A disabled endpoint receives nothing and its pending deliveries fail; enabling it again (`PATCH` with `enabled: true`) clears the reason.',
  '',
  `\`url\` must be https:// without credentials, at most ${OUTBOUND_URL_MAX_LENGTH} characters (http:// and private, loopback or link-local addresses only when the operator allows private networks); at most ${W.perAccount} endpoints per account. The signing secret (\`whsec_…\`) is in \`data.secret\`, shown this once, and stored only sealed under the server key (without one the answer is 503 \`SERVICE_UNAVAILABLE\`).`,
].join('\n');

/** What analytics count and how they are bucketed: said on both analytics routes. */
const ANALYTICS = [
  `\`data\`: \`{from, to, interval, timeZone, totals, series}\`. \`totals\` and each bucket of \`series\` hold: \`messages\` (the users’ and the agents’, created in the range), \`conversationsStarted\`, \`activeUsers\` (distinct \`userId\`s that sent a message; in \`totals\` over the whole range, not a sum of buckets), \`turns\` (user turns that completed or failed; pending ones are not counted), \`failedTurns\`, \`errorRate\` (failedTurns ÷ turns), \`inputTokens\` and \`outputTokens\` (of completed turns), \`latencyMs: {p50, p95}\` (of completed turns, interpolated), \`likes\`, \`dislikes\`, \`ratedTurns\` and \`satisfaction\` (likes ÷ ratedTurns) over the agents’ replies created in the range, and \`toolCalls\`. Ratios and percentiles are null when there is nothing to divide or rank.`,
  '',
  `The range is [\`from\`, \`to\`): \`to\` defaults to now and \`from\` to ${AN.defaultRangeDays} days before \`to\`; both are ISO 8601 instants. \`series\` has every bucket (\`interval\` ${ANALYTICS_INTERVALS.map((i) => `\`${i}\``).join(', ')}, default \`day\`; weeks start on Monday) from the one holding \`from\` to the one holding the instant before \`to\`, empty ones included, each \`{start, end, …}\` as UTC instants. Buckets are cut in \`timeZone\` (IANA, default \`UTC\`) and follow its daylight-saving changes: such a day is 23 or 25 hours long, and a repeated hour is two buckets. The first and last bucket count only what happened within the range. At most ${AN.maxRangeDays} days and ${AN.maxBuckets} buckets: beyond, or for \`to\` not after \`from\`, an unknown zone or a malformed instant, 400 \`INVALID_REQUEST\` naming the parameter.`,
].join('\n');

/** Every scope a route needs. */
export const scopesOf = (doc: Pick<RouteDoc, 'scope'>): Scope[] => (Array.isArray(doc.scope) ? doc.scope : [doc.scope]);

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /agents': {
    summary: 'Create an agent',
    description:
      'Only `name` is required; every other field has a default (the `local` model provider, temperature 0.7, 1,024 tokens, status `active`). Unknown fields, and fields such as `id` or `createdAt`, are rejected. Naming a `characterId` also needs the `characters:read` scope (else 403).',
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
      'Replaces each top-level field it names (a `personality` or `model` given replaces the whole object); `null` clears an optional field or restores its default. `name` cannot be cleared. Naming a `characterId` or `characterRevision` also needs the `characters:read` scope (else 403).',
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
      'When the agent has knowledge (documents attached to it, or its character’s knowledge), the chunks that best match `text` go into the system message (at most 5, within 1,000 of the prompt’s tokens), and `data.citations` lists `{documentId, chunk, score}` for each of them, then for each chunk the `knowledge` plugin’s `search_knowledge` tool returned, each once (empty when none).',
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
      'The exact messages the agent’s model would receive next for this user (system prompt, history within the token budget, and `text` if given), without calling the model or storing anything. With `text`, `knowledge` lists the chunks of the agent’s knowledge a send of that text would put in the system message (`{documentId, title, chunk, heading, score, text}`, best first; empty without `text`). It needs `conversations:read` as well as `agents:read`, since it shows the conversation’s history, and, with `text` for an agent that has knowledge, `knowledge:read` too (403 otherwise), since it shows the chunks.',
    tag: 'Messages',
    scope: ['agents:read', 'conversations:read'],
    params: { agentId: AGENT_ID },
  },
  'GET /agents/:agentId/conversations': {
    summary: 'List an agent’s conversations',
    description: 'Newest first; `userId` narrows the list to one end user’s conversation.',
    tag: 'Conversations',
    scope: 'conversations:read',
    params: { agentId: AGENT_ID },
  },
  'GET /conversations': {
    summary: 'Search conversations',
    description: [
      'Your account’s conversations; every parameter is optional and they combine. `agentId` and `userId` narrow to one agent and one end user (an `agentId` of no agent of yours is 404 `AGENT_NOT_FOUND`).',
      '',
      `With \`q\` (1–${SEARCH_LIMITS.q} characters): PostgreSQL full-text search over message text, in English (stemmed: \`running\` finds \`runs\`; common words such as \`the\` are ignored; web-search syntax: \`"a phrase"\`, \`or\`, \`-word\`). Only conversations with a matching message are listed, best match first (the best message’s \`ts_rank_cd\`, then the newest conversation), each with \`match: {messageId, role, snippet, rank, createdAt}\`, its best-matching message. \`snippet\` is plain text (never HTML: escape it as you would the message) in which each matched word is marked ${SNIPPET_MARKS.start}like this${SNIPPET_MARKS.stop}: the part of the message (up to about 35 words) around its best matching words. \`from\` and \`to\` then bound the matched messages’ time. A ranked search pages with \`page\` and \`limit\` only.`,
      '',
      'Without `q`: newest first, `match` is null, and `from`/`to` bound the conversation’s `lastMessageAt`.',
      '',
      '`from` (inclusive) and `to` (exclusive) are ISO-8601 date-times with an offset (`2030-01-31T00:00:00Z`); `from` must be before `to`.',
    ].join('\n'),
    tag: 'Conversations',
    scope: 'conversations:read',
    errors: { AGENT_NOT_FOUND: '`agentId` names no agent of your account.' },
  },
  'GET /agents/:agentId/analytics': {
    summary: 'Get an agent’s analytics',
    description: `The agent’s conversation analytics. It needs \`agents:read\` (to reach the agent) as well as \`conversations:read\`.\n\n${ANALYTICS}`,
    tag: 'Analytics',
    scope: ['conversations:read', 'agents:read'],
    params: { agentId: AGENT_ID },
  },
  'GET /analytics': {
    summary: 'Get the account’s analytics',
    description: `Your account’s conversation analytics, with \`agents: [{agentId, name, totals}]\`: each agent that had activity in the range, most messages first.\n\n${ANALYTICS}`,
    tag: 'Analytics',
    scope: 'conversations:read',
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
  'GET /conversations/:conversationId/export': {
    summary: 'Export a conversation',
    description: [
      'The whole conversation as a file to save (`Content-Disposition: attachment; filename=cnv_….jsonl` or `….md`), streamed as it is read from the database, so any length of conversation can be exported with little memory on either side.',
      '',
      '`format=jsonl` (the default, `application/x-ndjson`): one JSON object per line; first `{"type": "conversation", …}` with the conversation exactly as `GET /v1/conversations/{conversationId}` returns it, then `{"type": "message", …}` per turn, oldest first, each exactly as `GET /v1/conversations/{conversationId}/messages` returns it. `format=markdown` (`text/markdown`): a title and the conversation’s details, then a section per turn (who, when, the text as a block quote; failed turns marked with their error code).',
      '',
      EXPORT_LIMITS,
      '',
      'The file holds the turns made before the export started; turns written meanwhile are left out. An error before the first byte is the ordinary JSON error and status; one after it cuts the connection off (the file is then incomplete, and the client sees a broken transfer, never a short file that looks whole).',
    ].join('\n'),
    tag: 'Conversations',
    scope: 'conversations:read',
    params: { conversationId: CONVERSATION_ID },
    errors: { INVALID_REQUEST: '`format` is neither `jsonl` nor `markdown`.' },
    download: {
      'application/x-ndjson': {
        description: 'JSON Lines: a `conversation` line, then a `message` line per turn, oldest first.',
        example:
          '{"type":"conversation","id":"cnv_…","agentId":"agt_…","userId":"user-123","messageCount":2,…}\n{"type":"message","id":"msg_…","role":"user","text":"Hello!",…}\n{"type":"message","id":"msg_…","role":"agent","text":"Hi there!",…}\n',
      },
      'text/markdown': {
        description: 'A readable transcript: a title, then a section per turn.',
        example:
          '# Conversation with MyAgent\n\n- Conversation: `cnv_…`\n- Agent: MyAgent (`agt_…`)\n- User: `user-123`\n- Started: 2026-11-30T09:00:00.000Z\n- Messages: 2\n\n### User `user-123` · 2026-11-30T09:00:00.000Z\n\nHello!\n\n### MyAgent · 2026-11-30T09:00:00.120Z\n\nHi there!\n\n',
      },
    },
  },
  'GET /agents/:agentId/conversations/export': {
    summary: 'Export all of an agent’s conversations',
    description: [
      'Every conversation of the agent as one JSON Lines file (`Content-Disposition: attachment; filename=agt_…-conversations.jsonl`), streamed as it is read: for each conversation, oldest first, its `{"type": "conversation", …}` line, then its `{"type": "message", …}` lines, oldest first, in the same shapes as `GET /v1/conversations/{conversationId}/export`.',
      '',
      'The file holds the conversations and turns made before the export started. An error before the first byte is the ordinary JSON error and status; one after it cuts the connection off.',
      '',
      EXPORT_LIMITS,
    ].join('\n'),
    tag: 'Conversations',
    scope: 'conversations:read',
    params: { agentId: AGENT_ID },
    download: {
      'application/x-ndjson': {
        description: 'JSON Lines: each conversation’s line, then its turns’ lines.',
        example:
          '{"type":"conversation","id":"cnv_…","agentId":"agt_…","userId":"user-123",…}\n{"type":"message","id":"msg_…","role":"user","text":"Hello!",…}\n{"type":"conversation","id":"cnv_…","agentId":"agt_…","userId":"user-456",…}\n',
      },
    },
  },
  'DELETE /conversations/:conversationId': {
    summary: 'Delete a conversation',
    description: 'Deletes the conversation and its messages.',
    tag: 'Conversations',
    scope: 'messages:write',
    params: { conversationId: CONVERSATION_ID },
  },
  'POST /messages/:messageId/feedback': {
    summary: 'Rate an agent’s reply',
    description: `Sets the feedback on an agent’s reply: \`rating\` (\`like\` or \`dislike\`, required) and an optional \`comment\` (trimmed, at most ${FEEDBACK_LIMITS.comment} characters; empty means none). One per message: a second POST replaces the first whole (a comment left out is cleared), and answers 200 as the first does, with the feedback as now set: \`{messageId, rating, comment, updatedAt}\`. It shows on the message in its conversation’s history (\`feedback\`) and counts in analytics. A user’s message cannot be rated (400 \`INVALID_REQUEST\` on \`messageId\`).`,
    tag: 'Conversations',
    scope: 'messages:write',
    params: { messageId: MESSAGE_ID },
    errors: { NOT_FOUND: 'No message of your account has this ID.' },
  },
  'DELETE /messages/:messageId/feedback': {
    summary: 'Withdraw feedback',
    description: 'Removes the feedback on an agent’s reply: `{messageId, deleted: true}`. A reply with no feedback answers 404 `NOT_FOUND`, as a second DELETE does.',
    tag: 'Conversations',
    scope: 'messages:write',
    params: { messageId: MESSAGE_ID },
    errors: { NOT_FOUND: 'No message of your account has this ID, or it has no feedback.' },
  },
  'GET /plugins': {
    summary: 'List the plugin catalog',
    description:
      'Every plugin an agent can enable: its ID, description, built-in tools (with their JSON-Schema parameters) and config schema. The `http` plugin has no built-in tools: while it is enabled, the model is offered the agent’s custom tools (`/agents/{agentId}/tools`).',
    tag: 'Plugins and tools',
    scope: 'agents:read',
  },
  'GET /plugins/:pluginId': {
    summary: 'Get a plugin',
    description: 'One plugin of the catalog.',
    tag: 'Plugins and tools',
    scope: 'agents:read',
    params: { pluginId: PLUGIN_ID },
    errors: { NOT_FOUND: 'No plugin has this ID.' },
  },
  'GET /agents/:agentId/plugins': {
    summary: 'List an agent’s plugins',
    description: 'The plugins the agent has enabled, with their configs (defaults filled in), in catalog order.',
    tag: 'Plugins and tools',
    scope: 'agents:read',
    params: { agentId: AGENT_ID },
  },
  'PUT /agents/:agentId/plugins/:pluginId': {
    summary: 'Enable or configure a plugin',
    description:
      'Enables the plugin for the agent, or replaces the config of one it has enabled (200 either way). The body is optional: `{"config": {...}}`, validated against the plugin’s `configSchema` (errors name `config.<field>`); what it leaves out takes the schema’s default. The `time` plugin’s `defaultTimeZone` must be an IANA time zone.',
    tag: 'Plugins and tools',
    scope: 'agents:write',
    params: { agentId: AGENT_ID, pluginId: PLUGIN_ID },
    errors: { NOT_FOUND: 'No plugin has this ID.' },
  },
  'DELETE /agents/:agentId/plugins/:pluginId': {
    summary: 'Disable a plugin',
    description: 'Disables the plugin for the agent; its config is forgotten.',
    tag: 'Plugins and tools',
    scope: 'agents:write',
    params: { agentId: AGENT_ID, pluginId: PLUGIN_ID },
    errors: { NOT_FOUND: 'The agent does not have this plugin enabled (or no plugin has this ID).' },
  },
  'POST /agents/:agentId/tools': {
    summary: 'Create a custom tool',
    description: `Adds an HTTP tool the model may call while the agent has the \`http\` plugin enabled: OrionOS POSTs the arguments (checked against \`parameters\` first) to \`url\`, signed exactly like a webhook (Standard Webhooks: \`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`) with the agent’s tool secret, and hands the JSON answer back. \`name\` is unique per agent and not a built-in tool’s; \`parameters\` is a JSON Schema with \`type: "object"\`, compiled in strict mode (unknown keywords are refused), at most ${T.parametersBytes} characters as JSON; \`url\` an absolute http(s) URL without credentials; \`timeoutMs\` ${T.timeoutMsMin}–${T.timeoutMsMax} (default ${T.timeoutMsDefault}). At most ${T.perAgent} tools per agent (400 beyond). The agent’s first tool also makes its signing secret (\`whsec_…\`), in \`data.signingSecret\` this once (null on later creates); it is stored only sealed, under the server key (\`ORION_SECRET_KEY\`): without one the answer is 503 \`SERVICE_UNAVAILABLE\` with \`details.reason\` \`secret_key_not_configured\`.`,
    tag: 'Plugins and tools',
    scope: 'agents:write',
    params: { agentId: AGENT_ID },
    errors: { ALREADY_EXISTS: 'The agent already has a tool with this name.', SERVICE_UNAVAILABLE: 'No server key is configured (`ORION_SECRET_KEY`).' },
  },
  'GET /agents/:agentId/tools': {
    summary: 'List an agent’s custom tools',
    description: 'Newest first, a page at a time.',
    tag: 'Plugins and tools',
    scope: 'agents:read',
    params: { agentId: AGENT_ID },
  },
  'POST /agents/:agentId/tools/secret': {
    summary: 'Rotate the tool secret',
    description:
      'Replaces the agent’s tool-signing secret (making one if it has none) and answers the new one in `data.secret`, shown this once; calls are signed with it from now on. No body.',
    tag: 'Plugins and tools',
    scope: 'agents:write',
    params: { agentId: AGENT_ID },
    errors: { SERVICE_UNAVAILABLE: 'No server key is configured (`ORION_SECRET_KEY`).' },
  },
  'GET /agents/:agentId/tools/:toolId': {
    summary: 'Get a custom tool',
    description: 'One custom tool of the agent.',
    tag: 'Plugins and tools',
    scope: 'agents:read',
    params: { agentId: AGENT_ID, toolId: TOOL_ID },
    errors: { NOT_FOUND: 'The agent has no tool with this ID.' },
  },
  'PATCH /agents/:agentId/tools/:toolId': {
    summary: 'Update a custom tool',
    description: 'Replaces each field it names, with the bounds of create; `timeoutMs: null` restores the default. Other fields cannot be null.',
    tag: 'Plugins and tools',
    scope: 'agents:write',
    params: { agentId: AGENT_ID, toolId: TOOL_ID },
    errors: { NOT_FOUND: 'The agent has no tool with this ID.', ALREADY_EXISTS: 'Another tool of the agent has this name.' },
  },
  'DELETE /agents/:agentId/tools/:toolId': {
    summary: 'Delete a custom tool',
    description: 'The model is no longer offered it.',
    tag: 'Plugins and tools',
    scope: 'agents:write',
    params: { agentId: AGENT_ID, toolId: TOOL_ID },
    errors: { NOT_FOUND: 'The agent has no tool with this ID.' },
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
  'POST /webhooks': {
    summary: 'Create a webhook endpoint',
    description: WEBHOOK_DELIVERY,
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    errors: { SERVICE_UNAVAILABLE: 'No server key is configured (`ORION_SECRET_KEY`).' },
  },
  'GET /webhooks': {
    summary: 'List webhook endpoints',
    description: 'Your account’s endpoints, newest first, a page at a time. Never their secrets.',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
  },
  'GET /webhooks/:webhookId': {
    summary: 'Get a webhook endpoint',
    description: 'One endpoint of your account (never its secret). `disabledReason` says why OrionOS disabled it, if it did.',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    params: { webhookId: WEBHOOK_ID },
  },
  'PATCH /webhooks/:webhookId': {
    summary: 'Update a webhook endpoint',
    description:
      'Replaces each field it names, with the bounds of create; `description: null` clears it. `enabled: false` disables the endpoint and fails its pending deliveries; `enabled: true` enables it again and clears `disabledReason` and `disabledAt`.',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    params: { webhookId: WEBHOOK_ID },
  },
  'DELETE /webhooks/:webhookId': {
    summary: 'Delete a webhook endpoint',
    description: 'Deletes the endpoint with its deliveries: nothing more is sent to it.',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    params: { webhookId: WEBHOOK_ID },
  },
  'POST /webhooks/:webhookId/rotate-secret': {
    summary: 'Rotate a webhook’s signing secret',
    description:
      'Makes a new signing secret, in `data.secret`, shown this once. For 24 hours (until `data.previousSecretExpiresAt`) every delivery carries two signatures in `webhook-signature`, space separated: one with the new secret and one with the old, so receivers can switch without losing a delivery. A second rotation within those hours drops the oldest secret. No body.',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    params: { webhookId: WEBHOOK_ID },
    errors: { SERVICE_UNAVAILABLE: 'No server key is configured (`ORION_SECRET_KEY`).' },
  },
  'POST /webhooks/:webhookId/test': {
    summary: 'Send a test event',
    description:
      'Records a `webhook.test` event (`data: {webhookId}`) for this endpoint alone, whatever it subscribes to, and answers its pending delivery; it is delivered and retried like any other. No body.',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    params: { webhookId: WEBHOOK_ID },
    errors: { WEBHOOK_DISABLED: 'The endpoint is disabled.' },
  },
  'GET /webhooks/:webhookId/deliveries': {
    summary: 'List a webhook’s deliveries',
    description:
      'Newest first, each with its event (the payload sent) and every attempt (`statusCode`, `latencyMs`, `error`). `status` is `pending` (waiting for its next attempt at `nextAttemptAt`), `succeeded` or `failed`.',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    params: { webhookId: WEBHOOK_ID },
  },
  'GET /webhooks/:webhookId/deliveries/:deliveryId': {
    summary: 'Get a delivery',
    description: 'One delivery of the endpoint, with its event and attempts.',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    params: { webhookId: WEBHOOK_ID, deliveryId: DELIVERY_ID },
    errors: { NOT_FOUND: 'The endpoint has no delivery with this ID.' },
  },
  'POST /webhooks/:webhookId/deliveries/:deliveryId/redeliver': {
    summary: 'Redeliver',
    description:
      'Makes the delivery `pending` again, due at once, whatever its status; its attempts are kept and their numbering continues. The event is the same (same `webhook-id`). No body.',
    tag: 'Webhooks',
    scope: 'webhooks:manage',
    params: { webhookId: WEBHOOK_ID, deliveryId: DELIVERY_ID },
    errors: { NOT_FOUND: 'The endpoint has no delivery with this ID.', WEBHOOK_DISABLED: 'The endpoint is disabled.' },
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
  'POST /agents/:agentId/knowledge': {
    summary: 'Upload a document to an agent',
    description: `${KNOWLEDGE_UPLOAD} The document is attached to the agent (also when it already existed).`,
    tag: 'Knowledge',
    scope: 'knowledge:write',
    params: { agentId: AGENT_ID },
  },
  'GET /agents/:agentId/knowledge': {
    summary: 'List an agent’s documents',
    description: 'The documents the agent reads: those attached to it and its character’s knowledge, newest first. Without their content.',
    tag: 'Knowledge',
    scope: 'knowledge:read',
    params: { agentId: AGENT_ID },
  },
  'PUT /agents/:agentId/knowledge/:documentId': {
    summary: 'Attach a document to an agent',
    description: `Attaches a document of your account to the agent; nothing changes when it already is. ${CHARACTER_DOCUMENT}`,
    tag: 'Knowledge',
    scope: 'knowledge:write',
    params: { agentId: AGENT_ID, documentId: DOCUMENT_ID },
  },
  'DELETE /agents/:agentId/knowledge/:documentId': {
    summary: 'Detach a document from an agent',
    description: `The agent stops reading the document, which stays in your account. 404 \`NOT_FOUND\` when it was not attached. ${CHARACTER_DOCUMENT}`,
    tag: 'Knowledge',
    scope: 'knowledge:write',
    params: { agentId: AGENT_ID, documentId: DOCUMENT_ID },
  },
  'POST /knowledge': {
    summary: 'Upload a document',
    description: `${KNOWLEDGE_UPLOAD} The document belongs to the account and is attached to no agent (attach it with \`PUT /v1/agents/{agentId}/knowledge/{documentId}\`).`,
    tag: 'Knowledge',
    scope: 'knowledge:write',
  },
  'GET /knowledge': {
    summary: 'List documents',
    description: 'Your account’s documents (uploaded ones and characters’ knowledge), newest first. Without their content.',
    tag: 'Knowledge',
    scope: 'knowledge:read',
  },
  'GET /knowledge/:documentId': {
    summary: 'Get a document',
    description: 'One document of your account, with its content.',
    tag: 'Knowledge',
    scope: 'knowledge:read',
    params: { documentId: DOCUMENT_ID },
  },
  'GET /knowledge/:documentId/chunks': {
    summary: 'List a document’s chunks',
    description:
      'Its chunks in order (position 0 first): each chunk’s `text` is exactly the content from `startOffset` to `endOffset` (UTF-16 code units), under its Markdown `heading` path, with its estimated `tokenCount`.',
    tag: 'Knowledge',
    scope: 'knowledge:read',
    params: { documentId: DOCUMENT_ID },
  },
  'DELETE /knowledge/:documentId': {
    summary: 'Delete a document',
    description: `Deletes the document and its chunks; every agent it was attached to stops reading it at once. ${CHARACTER_DOCUMENT}`,
    tag: 'Knowledge',
    scope: 'knowledge:write',
    params: { documentId: DOCUMENT_ID },
  },
  'GET /agents/:agentId/knowledge/search': {
    summary: 'Search an agent’s knowledge',
    description: [
      `The chunks of the agent’s knowledge (the documents attached to it and its character’s) that best match \`q\` (1–${KS.q} characters, trimmed), best first: \`data: {ranking, items: [{documentId, documentTitle, chunk, heading, text, score, snippet}]}\`, at most \`limit\` items. \`chunk\` is the chunk’s position in its document (0 first), \`score\` 0–1 (comparable within one search), \`snippet\` plain text around the matched words, each marked ${SNIPPET_MARKS.start}like this${SNIPPET_MARKS.stop}. It needs \`agents:read\` (to reach the agent) as well as \`knowledge:read\`.`,
      '',
      `\`ranking\` says how: \`full_text\` — PostgreSQL full-text search in each document’s language, any of the query’s words (stemmed; headings weigh more than the text), plus trigram similarity for a word no document holds (a typo); or \`hybrid\`, when the server has an embedding model (\`ORION_EMBEDDING_*\`): the best ${HYBRID.candidates} full-text candidates re-ranked by a mix of their text score and the cosine similarity of their embedding with the query’s. If the embedding model fails, the search answers with the full-text ranking (and says so).`,
    ].join('\n'),
    tag: 'Knowledge',
    scope: ['agents:read', 'knowledge:read'],
    params: { agentId: AGENT_ID },
    query: {
      q: { description: `What to look for, 1–${KS.q} characters (trimmed).`, minLength: 1, maxLength: KS.q },
      limit: { description: `How many chunks at most, 1–${KS.limit}.`, minimum: 1, maximum: KS.limit, default: KS.defaultLimit },
    },
  },

  'POST /mcp-servers': {
    summary: 'Register an MCP server',
    description: [
      `Body \`{name, url, description?, headers?, timeoutMs?}\`. \`name\`: 1–${M.name} characters, lower-case letters, digits, \`_\` and \`-\`, starting with a letter or digit, unique in your account (409 \`ALREADY_EXISTS\` otherwise). \`url\`: the server’s Streamable HTTP endpoint, an absolute https:// URL without credentials, at most ${OUTBOUND_URL_MAX_LENGTH} characters (http:// only when the operator allows private networks, \`ORION_ALLOW_PRIVATE_NETWORKS\`, as for webhooks: the headers often carry credentials). \`headers\`: sent with every request (e.g. \`Authorization\`), at most ${M.headers}, names HTTP tokens other than ${RESERVED_MCP_HEADERS.map((h) => `\`${h}\``).join(', ')} (case-insensitive, each once), values at most ${M.headerValue} characters without line breaks; the values are stored sealed under the server key (without one: 503 \`SERVICE_UNAVAILABLE\`) and never returned. \`timeoutMs\`: ${M.timeoutMsMin}–${M.timeoutMsMax} per request (default ${M.timeoutMsDefault}). At most ${M.perAccount} servers per account (400 beyond).`,
      '',
      MCP_LISTING,
      '',
      MCP_SERVER_SHAPE,
    ].join('\n'),
    tag: 'MCP servers',
    scope: 'agents:write',
    errors: { ALREADY_EXISTS: 'Your account already has an MCP server with this name.', SERVICE_UNAVAILABLE: 'Headers were given and no server key is configured (`ORION_SECRET_KEY`).' },
  },
  'GET /mcp-servers': {
    summary: 'List MCP servers',
    description: `Your account’s MCP servers, newest first, a page at a time. ${MCP_SERVER_SHAPE}`,
    tag: 'MCP servers',
    scope: 'agents:read',
  },
  'GET /mcp-servers/:mcpServerId': {
    summary: 'Get an MCP server',
    description: `One MCP server of your account, with the tools it offered when last listed. ${MCP_SERVER_SHAPE}`,
    tag: 'MCP servers',
    scope: 'agents:read',
    params: { mcpServerId: MCP_SERVER_ID },
  },
  'PATCH /mcp-servers/:mcpServerId': {
    summary: 'Update an MCP server',
    description: `Replaces each field it names, with the bounds of create: \`description: null\` clears it, \`headers\` replaces the whole map (\`null\` removes every header), \`timeoutMs: null\` restores the default; \`name\` and \`url\` cannot be null. When \`url\`, \`headers\` or \`timeoutMs\` change, the tools are listed again, as on create: ${MCP_LISTING}`,
    tag: 'MCP servers',
    scope: 'agents:write',
    params: { mcpServerId: MCP_SERVER_ID },
    errors: { ALREADY_EXISTS: 'Another MCP server of your account has this name.', SERVICE_UNAVAILABLE: 'Headers were given and no server key is configured (`ORION_SECRET_KEY`).' },
  },
  'DELETE /mcp-servers/:mcpServerId': {
    summary: 'Delete an MCP server',
    description: 'Deletes the server; every agent that used it stops using it, at once (in the same transaction).',
    tag: 'MCP servers',
    scope: 'agents:write',
    params: { mcpServerId: MCP_SERVER_ID },
  },
  'POST /mcp-servers/:mcpServerId/refresh': {
    summary: 'List an MCP server’s tools again',
    description: `Connects to the server, lists its tools again and answers the server (200) with its new \`status\`, \`tools\` and \`lastError\`. A failure is no error of the request: it is in \`lastError\`, and the tools of the last listing that worked are kept. No body.`,
    tag: 'MCP servers',
    scope: 'agents:write',
    params: { mcpServerId: MCP_SERVER_ID },
  },
  'GET /agents/:agentId/mcp-servers': {
    summary: 'List the MCP servers an agent uses',
    description:
      '`data`: `[{mcpServerId, agentId, tools, mcpServer, createdAt, updatedAt}]`, in the order they were enabled. `tools` is null when the agent uses every tool of the server (also those it offers later), else the names it may call; `mcpServer` is the server as `GET /v1/mcp-servers/{mcpServerId}` shows it.',
    tag: 'MCP servers',
    scope: 'agents:read',
    params: { agentId: AGENT_ID },
  },
  'PUT /agents/:agentId/mcp-servers/:mcpServerId': {
    summary: 'Let an agent use an MCP server',
    description: `The agent uses the server’s tools: body \`{"tools": ["echo", "add"]}\` for those only (1–${M.agentTools} names from the server’s \`tools\`: any other is 400 \`INVALID_REQUEST\` naming it; refresh the server first if it offers it now), or no body (or \`"tools": null\`) for every tool, including those it offers later. 201 when the agent did not use the server, 200 when its selection was replaced.`,
    tag: 'MCP servers',
    scope: 'agents:write',
    params: { agentId: AGENT_ID, mcpServerId: MCP_SERVER_ID },
  },
  'DELETE /agents/:agentId/mcp-servers/:mcpServerId': {
    summary: 'Stop an agent using an MCP server',
    description: 'The agent no longer uses the server, which stays registered. 404 `NOT_FOUND` when the agent does not use it.',
    tag: 'MCP servers',
    scope: 'agents:write',
    params: { agentId: AGENT_ID, mcpServerId: MCP_SERVER_ID },
    errors: { NOT_FOUND: 'The agent does not use this MCP server.' },
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

/** The bounds of one tool input type's fields (create and update share them). */
function toolInput(type: 'CreateToolInput' | 'UpdateToolInput'): Record<string, Refinement> {
  const notNull: Refinement = type === 'UpdateToolInput' ? { nullable: false } : {};
  return {
    [`${type}.name`]: { minLength: 1, maxLength: T.name, pattern: TOOL_NAME_PATTERN.source, ...notNull, examples: ['get_weather'] },
    [`${type}.description`]: { ...text(T.description, 1), ...notNull },
    [`${type}.parameters`]: { ...notNull, examples: [{ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }] },
    [`${type}.url`]: { ...text(T.url, 1), format: 'uri', ...notNull, examples: ['https://tools.example.com/weather'] },
    [`${type}.timeoutMs`]: { minimum: T.timeoutMsMin, maximum: T.timeoutMsMax, ...(type === 'CreateToolInput' ? { default: T.timeoutMsDefault } : {}) },
  };
}

/** The bounds of one webhook input type's fields (create and update share them). */
function webhookInput(type: 'CreateWebhookInput' | 'UpdateWebhookInput'): Record<string, Refinement> {
  const notNull: Refinement = type === 'UpdateWebhookInput' ? { nullable: false } : {};
  return {
    [`${type}.url`]: { ...text(OUTBOUND_URL_MAX_LENGTH, 1), format: 'uri', ...notNull, examples: ['https://example.com/orion-webhooks'] },
    [`${type}.events`]: {
      minItems: 1,
      items: { enum: [...WEBHOOK_EVENT_TYPES, ALL_EVENTS] },
      ...notNull,
      examples: [['agent.created', 'message.completed']],
    },
    [`${type}.description`]: text(W.description),
    [`${type}.enabled`]: { ...notNull, ...(type === 'CreateWebhookInput' ? { default: true } : {}) },
  };
}

/** The bounds of one MCP server input type's fields (create and update share them). */
function mcpServerInput(type: 'CreateMcpServerInput' | 'UpdateMcpServerInput'): Record<string, Refinement> {
  const notNull: Refinement = type === 'UpdateMcpServerInput' ? { nullable: false } : {};
  return {
    [`${type}.name`]: { minLength: 1, maxLength: M.name, pattern: MCP_SERVER_NAME_PATTERN.source, ...notNull, examples: ['github'] },
    [`${type}.url`]: { ...text(OUTBOUND_URL_MAX_LENGTH, 1), format: 'uri', ...notNull, examples: ['https://mcp.example.com/mcp'] },
    [`${type}.description`]: text(M.description),
    [`${type}.headers`]: {
      maxProperties: M.headers,
      propertyNames: { minLength: 1, maxLength: M.headerName, pattern: "^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$" },
      additionalProperties: { maxLength: M.headerValue },
      examples: [{ Authorization: 'Bearer <token>' }],
    },
    [`${type}.timeoutMs`]: { minimum: M.timeoutMsMin, maximum: M.timeoutMsMax, ...(type === 'CreateMcpServerInput' ? { default: M.timeoutMsDefault } : {}) },
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
    'CreateAgentInput.maxToolSteps': { minimum: L.maxToolStepsMin, maximum: L.maxToolStepsMax, default: L.maxToolStepsDefault },
    'UpdateAgentInput.maxToolSteps': { minimum: L.maxToolStepsMin, maximum: L.maxToolStepsMax },
    ...toolInput('CreateToolInput'),
    ...toolInput('UpdateToolInput'),
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
    ...webhookInput('CreateWebhookInput'),
    ...webhookInput('UpdateWebhookInput'),
    ...mcpServerInput('CreateMcpServerInput'),
    ...mcpServerInput('UpdateMcpServerInput'),
    'EnableMcpServerInput.tools': { minItems: 1, maxItems: M.agentTools, items: { minLength: 1, maxLength: 256 } },
    'CreateApiKeyInput.name': text(100, 1),
    'CreateApiKeyInput.scopes': { minItems: 1, maxItems: SCOPES.length, items: { enum: [...SCOPES] } },
    'CreateApiKeyInput.environment': { default: 'live' },
    'UploadKnowledgeInput.title': text(K.title, 1),
    'UploadKnowledgeInput.text': { minLength: 1, examples: ['# Returns\n\nItems can be returned within 30 days.'] },
    'UploadKnowledgeInput.format': { default: 'markdown' },
    'UploadKnowledgeInput.language': { enum: [...KNOWLEDGE_LANGUAGES], default: 'english' },
    'UploadKnowledgeInput.metadata': metadata,
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
    'CreateToolPayload.signingSecret': { pattern: '^whsec_' },
    'RotateToolSecretPayload.secret': { pattern: '^whsec_' },
    'CreateWebhookPayload.secret': { pattern: '^whsec_' },
    'RotateWebhookSecretPayload.secret': { pattern: '^whsec_' },
    'Webhook.events': { items: { enum: [...WEBHOOK_EVENT_TYPES, ALL_EVENTS] } },
    'Webhook.disabledReason': { enum: ['endpoint_gone', 'failing', null] },
    'WebhookEvent.type': { enum: [...WEBHOOK_EVENT_TYPES] },
    'MessageUsage.period': { pattern: '^\\d{4}-\\d{2}$', examples: ['2026-01'] },
    'PromptMessage.role': { enum: ['system', 'user', 'assistant'] },
    'KnowledgeDocument.language': { enum: [...KNOWLEDGE_LANGUAGES] },
    'KnowledgeDocument.contentHash': { pattern: '^[0-9a-f]{64}$' },
    'McpServer.name': { pattern: MCP_SERVER_NAME_PATTERN.source },
    'McpServerError.code': {
      enum: ['TOOL_NETWORK_REFUSED', 'TOOL_TIMEOUT', 'TOOL_HTTP_ERROR', 'TOOL_RESPONSE_TOO_LARGE', 'TOOL_INVALID_RESPONSE', 'TOOL_FAILED'],
    },
  },
};

/** Query parameters: bounds by name (the GraphQL variable of the same name gives the type). */
export const PARAM_REFINEMENTS: Record<string, Refinement & { description: string }> = {
  page: { description: 'Page number, 1 or more.', minimum: 1, default: 1 },
  limit: { description: `Items per page, 1–${MAX_PAGE_SIZE}.`, minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  userId: { ...userId, description: 'The end user’s identifier, as sent with their messages.' },
  text: { ...text(MESSAGE_LIMITS.text, 1), description: 'A next message to include, as a send would.' },
  from: { description: 'Start of the range (included), an ISO 8601 instant.', format: 'date-time' },
  to: { description: 'End of the range (excluded), an ISO 8601 instant.', format: 'date-time' },
  interval: { description: 'Bucket length of the series.', enum: [...ANALYTICS_INTERVALS], default: 'day' },
  timeZone: { description: 'IANA time zone the buckets are cut in, e.g. `Europe/Berlin`.', default: 'UTC', examples: ['Europe/Berlin'] },
  force: { description: 'Detach the agents that use the character instead of answering 409 CHARACTER_IN_USE.', default: false },
};
