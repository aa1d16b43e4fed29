// The OrionOS TypeScript SDK: `new OrionOS({ apiKey })`, typed resources, typed errors, retries
// with backoff, idempotency keys and streamed replies. No dependencies beyond eventsource-parser,
// standardwebhooks (both bundled) and the platform's fetch.
export { DEFAULT_BASE_URL, OrionOS, type OrionOSOptions } from './client.js';
export {
  AgentUnavailableError,
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  CharacterInUseError,
  ConflictError,
  IdempotencyConflictError,
  InternalServerError,
  InvalidRequestError,
  ModelError,
  NotFoundError,
  OrionOSError,
  PermissionDeniedError,
  QuotaExceededError,
  RateLimitError,
  ServiceUnavailableError,
  WebhookDisabledError,
  type ClientErrorCode,
  type ErrorCode,
  type OrionOSErrorCode,
} from './errors.js';
export { Analytics } from './analytics.js';
export { ExportDownload, type ConversationExportFormat, type ExportRecord } from './export.js';
export { SDK_VERSION } from './http.js';
export { Accounts, Agents, ApiKeys, Characters, Conversations, Plugins, Tools } from './resources.js';
export {
  Messages,
  type DeletedMessageFeedback,
  type FeedbackRating,
  type MessageFeedback,
  type MessageFeedbackParams,
} from './messages.js';
export {
  Knowledge,
  type DeletedKnowledgeDocument,
  type DetachedKnowledge,
  type KnowledgeChunk,
  type KnowledgeDocument,
  type KnowledgeDocumentWithContent,
  type KnowledgeListParams,
  type KnowledgeSearchParams,
  type KnowledgeSearchResult,
  type KnowledgeUploadParams,
} from './knowledge.js';
export {
  McpServers,
  type AgentMcpServer,
  type DeletedMcpServer,
  type DisabledMcpServer,
  type McpServer,
  type McpServerCreateParams,
  type McpServerEnableParams,
  type McpServerUpdateParams,
} from './mcp-servers.js';
export { MessageStream } from './stream.js';
export { paginate, type PageLister } from './paginate.js';
export { verifyWebhook, Webhooks, WebhookVerificationError, type WebhookHeaders, type WebhookVerificationReason } from './webhooks.js';
export type * from './types.js';
