// Request and response types of the REST API. The response shapes are the generated types of the
// hand-written operations behind each route (src/rest/operations/*.graphql), imported as types
// only: the REST `data` of a route is exactly its operation's selected field, so these cannot
// drift from what the server sends.
import type {
  CitationFieldsFragment,
  AccountWithUsageFieldsFragment,
  AgentFieldsFragment,
  AgentPluginFieldsFragment,
  CreateToolInput,
  CreateToolMutation,
  DeleteToolMutation,
  DisablePluginMutation,
  PluginFieldsFragment,
  RotateToolSecretMutation,
  ToolFieldsFragment,
  UpdateToolInput,
  ApiKeyFieldsFragment,
  CharacterFieldsFragment,
  CharacterRevisionFieldsFragment,
  ConversationFieldsFragment,
  SearchConversationsQuery,
  CreateAccountInput,
  CreateAccountMutation,
  CreateAgentInput,
  CreateApiKeyInput,
  CreateApiKeyMutation,
  CreateCharacterInput,
  DeleteAgentMutation,
  DeleteCharacterMutation,
  ImportCharacterMutation,
  DeleteConversationMutation,
  MessageFieldsFragment,
  PromptPreviewQuery,
  GetAgentAnalyticsQuery,
  GetAccountAnalyticsQuery,
  RotateApiKeyInput,
  RotateApiKeyMutation,
  SendMessageInput,
  SentMessageFieldsFragment,
  ToolCallFieldsFragment,
  UpdateAccountInput,
  UpdateAgentInput,
  UpdateCharacterInput,
  CreateWebhookInput,
  CreateWebhookMutation,
  DeleteWebhookMutation,
  RotateWebhookSecretMutation,
  UpdateWebhookInput,
  WebhookDeliveryFieldsFragment,
  WebhookFieldsFragment,
} from '../rest/generated/operations.js';
import type { WebhookEventType } from '../services/webhooks/event-types.js';

export type {
  AgentStatus,
  CharacterStyleInput,
  CharacterTurnInput,
  CharacterTurnRole,
  KeyEnvironment,
  MessageRole,
  MessageStatus,
  ModelConfigInput,
  ModelProvider,
  PersonalityExampleInput,
  PersonalityInput,
  Tier,
} from '../rest/generated/operations.js';

/**
 * What every method resolves to: the API's success envelope, `{ success: true, data }`, exactly
 * as the server sent it (so `response.data.response` reads an agent's reply). For convenience the
 * fields of `data` can also be read on the envelope itself (`agent.id === agent.data.id`); they
 * are not enumerable, so logging or serializing the result shows the envelope as sent.
 */
export type ApiResponse<T> = { readonly success: true; readonly data: T } & Readonly<Omit<T, 'success' | 'data'>>;

/** The envelope of a route whose `data` is a plain list (not paged): `{ success: true, data: [...] }`. */
export type ListResponse<T> = { readonly success: true; readonly data: T[] };

/** Pagination metadata of every list (`page` ≥ 1, `limit` 1–100). */
export type Pagination = { currentPage: number; totalPages: number; totalItems: number; itemsPerPage: number };

/** A page of a list: `{ items, pagination }`, newest first. */
export type Page<T> = { items: T[]; pagination: Pagination };

export type PageParams = { page?: number; limit?: number };

// Agents
export type Agent = AgentFieldsFragment;
export type AgentCreateParams = CreateAgentInput;
export type AgentUpdateParams = UpdateAgentInput;
export type DeletedAgent = DeleteAgentMutation['deleteAgent'];

// Plugins and tools
/** A catalog plugin: its tools (JSON-Schema parameters) and config schema. */
export type Plugin = PluginFieldsFragment;
/** A plugin an agent has enabled, with its config (defaults filled in). */
export type AgentPlugin = AgentPluginFieldsFragment;
/** The whole config (it replaces the stored one); what it leaves out takes the schema's default. */
export type PluginEnableParams = { config?: Record<string, unknown> };
export type DisabledPlugin = DisablePluginMutation['disablePlugin'];
/** A custom HTTP tool (`tol_…`) of an agent. */
export type Tool = ToolFieldsFragment;
export type ToolCreateParams = CreateToolInput;
export type ToolUpdateParams = UpdateToolInput;
/** The created tool, and the agent's signing secret when this was its first tool (shown once; else null). */
export type CreatedTool = CreateToolMutation['createTool'];
export type DeletedTool = DeleteToolMutation['deleteTool'];
/** The agent's new tool-signing secret (`whsec_…`), shown once. */
export type RotatedToolSecret = RotateToolSecretMutation['rotateToolSecret'];

// Characters
export type Character = CharacterFieldsFragment;
/** A character as it was at one revision (an immutable snapshot). */
export type CharacterRevision = CharacterRevisionFieldsFragment;
export type CharacterCreateParams = CreateCharacterInput;
export type CharacterUpdateParams = UpdateCharacterInput;
/** `force: true` detaches the agents that use the character instead of failing with CHARACTER_IN_USE. */
export type CharacterDeleteParams = { force?: boolean };
export type DeletedCharacter = DeleteCharacterMutation['deleteCharacter'];
/** The created character, what the file was read as, and its fields kept (`mapped`) and not (`dropped`). */
export type ImportedCharacter = ImportCharacterMutation['importCharacter'];
/** `orion` keeps every field; `eliza` is an ElizaOS 1.x file, `ccv2` a Character Card V2. */
export type CharacterExportFormat = 'orion' | 'eliza' | 'ccv2';

// Messages
/** `stream` is chosen by the method (sendMessage or streamMessage), not passed. */
export type SendMessageParams = Omit<SendMessageInput, 'conversationId'> & { conversationId?: string | null };
/** A sent message and the agent's reply (`response`). */
export type SentMessage = SentMessageFieldsFragment;
export type PromptPreview = PromptPreviewQuery['agent']['promptPreview'];
/** A knowledge chunk the prompt would hold: `{documentId, title, chunk, heading, score, text}` (prompt-preview `knowledge`). */
export type PromptKnowledgeChunk = PromptPreview['knowledge'][number];
/**
 * A knowledge chunk a reply drew on, `{documentId, chunk, score}` (`chunk`: its position in the
 * document): in `SentMessage.citations` and `Message.citations` (empty when none).
 */
export type Citation = CitationFieldsFragment;
export type AgentAnalytics = GetAgentAnalyticsQuery['agent']['analytics'];
export type AccountAnalytics = NonNullable<GetAccountAnalyticsQuery['viewer']>['analytics'];
export type AnalyticsInterval = 'hour' | 'day' | 'week';
/** The range [from, to) (ISO 8601 instants or Dates), the bucket length and the IANA zone of the buckets. */
export type AnalyticsParams = { from?: Date | string; to?: Date | string; interval?: AnalyticsInterval; timeZone?: string };
export type PromptPreviewParams = { userId: string; text?: string };

/** A tool the model called while answering, with its outcome (`result`, or `error` when it failed). */
export type ToolCall = ToolCallFieldsFragment;

/**
 * One event of a streamed reply: pieces of the reply as they come, with the model's tool calls
 * (`tool_call` when one starts, `tool_result` with its outcome) in order among them, then the
 * stored message.
 */
export type MessageStreamEvent =
  | { type: 'delta'; delta: string }
  | { type: 'tool_call'; callId: string; tool: string; arguments: unknown }
  | { type: 'tool_result'; toolCall: ToolCall }
  | { type: 'completed'; message: SentMessage };

// Conversations
export type Conversation = ConversationFieldsFragment;
export type ConversationListParams = PageParams & { userId?: string };
/** One stored turn: the user's text or the agent's reply. */
export type Message = MessageFieldsFragment;
export type DeletedConversation = DeleteConversationMutation['deleteConversation'];
/**
 * GET /conversations: every filter optional, all combinable. `q`: English full-text search
 * (1–200 characters); `from` (inclusive) and `to` (exclusive) bound the matched messages’ time with
 * `q`, else the conversations’ lastMessageAt.
 */
export type ConversationSearchParams = PageParams & {
  agentId?: string;
  userId?: string;
  q?: string;
  from?: string | Date;
  to?: string | Date;
};
/** A conversation found by a search; `match` (its best-matching message, snippet marked «…») is null without `q`. */
export type SearchedConversation = SearchConversationsQuery['conversations']['items'][number];

// API keys
/** An API key as listed: never its secret. */
export type ApiKey = ApiKeyFieldsFragment;
export type ApiKeyCreateParams = Omit<CreateApiKeyInput, 'expiresAt'> & { expiresAt?: string | Date | null };
/** A new key and its secret, shown this once. */
export type CreatedApiKey = CreateApiKeyMutation['createApiKey'];
export type ApiKeyRotateParams = RotateApiKeyInput;
/** The new key and secret, and the previous key (which works until its grace period ends). */
export type RotatedApiKey = RotateApiKeyMutation['rotateApiKey'];

// Accounts (operators: the admin scope)
export type Account = AccountWithUsageFieldsFragment;
export type AccountCreateParams = CreateAccountInput;
export type AccountUpdateParams = UpdateAccountInput;
/** A new account and its first API key, whose secret is shown this once. */
export type CreatedAccount = CreateAccountMutation['createAccount'];

// Webhooks
export type { WebhookEventType };
/** A webhook endpoint (`whk_…`) as listed: never its secret. */
export type Webhook = WebhookFieldsFragment;
export type WebhookCreateParams = CreateWebhookInput;
export type WebhookUpdateParams = UpdateWebhookInput;
/** The new endpoint and its signing secret (`whsec_…`), shown this once. */
export type CreatedWebhook = CreateWebhookMutation['createWebhook'];
export type DeletedWebhook = DeleteWebhookMutation['deleteWebhook'];
/** The new signing secret, shown once, and until when the old one still signs (24 h). */
export type RotatedWebhookSecret = RotateWebhookSecretMutation['rotateWebhookSecret'];
/** One event on its way to one endpoint (`dlv_…`), with the event and every attempt. */
export type WebhookDelivery = WebhookDeliveryFieldsFragment;
/** What a delivery POSTs (and `orion.webhooks.verify` answers): `data` is the resource as REST returns it. */
export type WebhookEvent<T = unknown> = { id: string; type: WebhookEventType; createdAt: string; data: T };

/** Per-call options, accepted as the last argument of every method. */
export type RequestOptions = {
  /** For POSTs: the Idempotency-Key to send (default: a new random UUID per call, reused by its retries). */
  idempotencyKey?: string;
  /** Overrides the client's maxRetries for this call. */
  maxRetries?: number;
  /** Overrides the client's timeoutMs for this call. */
  timeoutMs?: number;
  /** Aborts the call (and its retries); it then rejects with APIUserAbortError. */
  signal?: AbortSignal;
  /** Extra headers, e.g. your own X-Request-Id. */
  headers?: Record<string, string>;
};
