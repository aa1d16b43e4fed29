import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { Deprecation } from '../deprecations.js';
import {
  CreateAccountDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateCharacterDocument,
  ExportCharacterDocument,
  ExportAgentConversationsDocument,
  ExportConversationDocument,
  ImportCharacterDocument,
  DeleteCharacterDocument,
  GetCharacterDocument,
  GetCharacterRevisionDocument,
  ListCharacterRevisionsDocument,
  ListCharactersDocument,
  UpdateCharacterDocument,
  GetAccountDocument,
  ListAccountsDocument,
  ListApiKeysDocument,
  RevokeApiKeyDocument,
  RotateApiKeyDocument,
  UpdateAccountDocument,
  DeleteAgentDocument,
  DeleteConversationDocument,
  GetAgentDocument,
  GetConversationDocument,
  ListAgentsDocument,
  ListConversationsDocument,
  ListMessagesDocument,
  PromptPreviewDocument,
  SendMessageDocument,
  SendMessageStreamDocument,
  SearchConversationsDocument,
  SetMessageFeedbackDocument,
  DeleteMessageFeedbackDocument,
  UpdateAgentDocument,
  CreateToolDocument,
  DeleteToolDocument,
  DisablePluginDocument,
  EnablePluginDocument,
  GetPluginDocument,
  GetToolDocument,
  ListAgentPluginsDocument,
  ListPluginsDocument,
  ListToolsDocument,
  RotateToolSecretDocument,
  UpdateToolDocument,
  CreateWebhookDocument,
  DeleteWebhookDocument,
  GetWebhookDeliveryDocument,
  GetWebhookDocument,
  ListWebhookDeliveriesDocument,
  ListWebhooksDocument,
  RedeliverWebhookDeliveryDocument,
  RotateWebhookSecretDocument,
  SendTestWebhookDocument,
  UpdateWebhookDocument,
  GetAccountAnalyticsDocument,
  GetAgentAnalyticsDocument,
  AttachKnowledgeDocument,
  DeleteKnowledgeDocumentDocument,
  DetachKnowledgeDocument,
  GetKnowledgeDocumentDocument,
  ListAgentKnowledgeDocument,
  ListKnowledgeChunksDocument,
  ListKnowledgeDocument,
  UploadAgentKnowledgeDocument,
  UploadKnowledgeDocument,
  SearchAgentKnowledgeDocument,
  CreateMcpServerDocument,
  DeleteMcpServerDocument,
  DisableMcpServerDocument,
  EnableMcpServerDocument,
  GetMcpServerDocument,
  ListAgentMcpServersDocument,
  ListMcpServersDocument,
  RefreshMcpServerDocument,
  UpdateMcpServerDocument,
} from './generated/operations.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

// biome-ignore lint: the table holds operations of many types
type AnyOperation = TypedDocumentNode<any, any>;

/** One REST route: which hand-written GraphQL operation serves it, and how. */
export type RestRoute = {
  method: HttpMethod;
  /** Express path under /v1; its parameters become the operation's variables of the same name. */
  path: string;
  operation: AnyOperation;
  /** Where in the operation's data the REST `data` is (a root field, or a dotted path). */
  field: string;
  status: 200 | 201;
  /** A JSON object body is required (POST/PUT/PATCH), or optional, and passed as `$input`. */
  body: boolean | 'optional';
  /** Query parameters accepted, and their types (anything else is 400). */
  query: Record<string, 'int' | 'string' | 'boolean'>;
  /** Path parameters that are integers, each with the message a client gets when it is not one. */
  intParams?: Record<string, string>;
  /**
   * The subscription that answers instead when the client asks for a stream (`"stream": true`
   * in the body, or `Accept: text/event-stream`), as Server-Sent Events.
   */
  stream?: { operation: AnyOperation; field: string };
  /**
   * The operation is a subscription whose events are chunks of a file (`{text, contentType,
   * fileName}`): the answer is that file, streamed (see answerAsDownload in router.ts).
   */
  download?: true;
  /**
   * Where in the operation's data a Boolean says whether the write made something new: when it
   * is false (the same thing already existed), the answer is 200 instead of `status`.
   */
  createdFlag?: string;
  /**
   * The route is on its way out (an entry of DEPRECATIONS, src/deprecations.ts): `deprecated:
   * true` in OpenAPI, and every answer carries the `Deprecation`, `Sunset` and `Link` headers.
   */
  deprecated?: Deprecation;
  /** Query parameters on their way out: the same, for the answers of requests that send them. */
  deprecatedQuery?: Record<string, Deprecation>;
};

const route = (r: Omit<RestRoute, 'status' | 'body' | 'query'> & Partial<RestRoute>): RestRoute => ({
  status: 200,
  body: false,
  query: {},
  ...r,
});

const pages = { page: 'int', limit: 'int' } as const;

const analyticsRange = { from: 'string', to: 'string', interval: 'string', timeZone: 'string' } as const;

/** The REST API: every route → named GraphQL operation → success status. */
export const routes: RestRoute[] = [
  route({ method: 'POST', path: '/agents', operation: CreateAgentDocument, field: 'createAgent', status: 201, body: true }),
  route({ method: 'GET', path: '/agents', operation: ListAgentsDocument, field: 'agents', query: pages }),
  route({ method: 'GET', path: '/agents/:agentId', operation: GetAgentDocument, field: 'agent' }),
  route({ method: 'PATCH', path: '/agents/:agentId', operation: UpdateAgentDocument, field: 'updateAgent', body: true }),
  route({ method: 'DELETE', path: '/agents/:agentId', operation: DeleteAgentDocument, field: 'deleteAgent' }),
  route({
    method: 'POST',
    path: '/agents/:agentId/messages',
    operation: SendMessageDocument,
    field: 'sendMessage',
    status: 201,
    body: true,
    stream: { operation: SendMessageStreamDocument, field: 'sendMessageStream' },
  }),
  route({
    method: 'GET',
    path: '/agents/:agentId/prompt-preview',
    operation: PromptPreviewDocument,
    field: 'agent.promptPreview',
    query: { userId: 'string', text: 'string' },
  }),
  route({
    method: 'GET',
    path: '/agents/:agentId/conversations',
    operation: ListConversationsDocument,
    field: 'conversations',
    query: { userId: 'string', ...pages },
  }),
  route({
    method: 'GET',
    path: '/conversations',
    operation: SearchConversationsDocument,
    field: 'conversations',
    query: { agentId: 'string', userId: 'string', q: 'string', from: 'string', to: 'string', ...pages },
  }),
  route({
    method: 'GET',
    path: '/agents/:agentId/analytics',
    operation: GetAgentAnalyticsDocument,
    field: 'agent.analytics',
    query: analyticsRange,
  }),
  route({ method: 'GET', path: '/analytics', operation: GetAccountAnalyticsDocument, field: 'viewer.analytics', query: analyticsRange }),
  route({ method: 'GET', path: '/conversations/:conversationId', operation: GetConversationDocument, field: 'conversation' }),
  route({
    method: 'GET',
    path: '/conversations/:conversationId/messages',
    operation: ListMessagesDocument,
    field: 'conversation.messages',
    query: pages,
  }),
  route({
    method: 'GET',
    path: '/conversations/:conversationId/export',
    operation: ExportConversationDocument,
    field: 'conversationExport',
    query: { format: 'string' },
    download: true,
  }),
  route({
    method: 'GET',
    path: '/agents/:agentId/conversations/export',
    operation: ExportAgentConversationsDocument,
    field: 'agentConversationsExport',
    download: true,
  }),
  route({
    method: 'DELETE',
    path: '/conversations/:conversationId',
    operation: DeleteConversationDocument,
    field: 'deleteConversation',
  }),
  // Create-or-replace: 200 either way (the answer is the feedback as now set).
  route({
    method: 'POST',
    path: '/messages/:messageId/feedback',
    operation: SetMessageFeedbackDocument,
    field: 'setMessageFeedback',
    body: true,
  }),
  route({
    method: 'DELETE',
    path: '/messages/:messageId/feedback',
    operation: DeleteMessageFeedbackDocument,
    field: 'deleteMessageFeedback',
  }),
  route({ method: 'GET', path: '/plugins', operation: ListPluginsDocument, field: 'plugins' }),
  route({ method: 'GET', path: '/plugins/:pluginId', operation: GetPluginDocument, field: 'plugin' }),
  route({ method: 'GET', path: '/agents/:agentId/plugins', operation: ListAgentPluginsDocument, field: 'agent.plugins' }),
  // Create-or-replace: 200 either way (the answer is the enabled plugin with its config).
  route({
    method: 'PUT',
    path: '/agents/:agentId/plugins/:pluginId',
    operation: EnablePluginDocument,
    field: 'enablePlugin',
    body: 'optional',
  }),
  route({ method: 'DELETE', path: '/agents/:agentId/plugins/:pluginId', operation: DisablePluginDocument, field: 'disablePlugin' }),
  route({ method: 'POST', path: '/agents/:agentId/tools', operation: CreateToolDocument, field: 'createTool', status: 201, body: true }),
  route({ method: 'GET', path: '/agents/:agentId/tools', operation: ListToolsDocument, field: 'agent.tools', query: pages }),
  // Before /tools/:toolId, so that this path is its own (405 with its own Allow for other methods).
  route({
    method: 'POST',
    path: '/agents/:agentId/tools/secret',
    operation: RotateToolSecretDocument,
    field: 'rotateToolSecret',
    status: 201,
  }),
  route({ method: 'GET', path: '/agents/:agentId/tools/:toolId', operation: GetToolDocument, field: 'agent.tool' }),
  route({ method: 'PATCH', path: '/agents/:agentId/tools/:toolId', operation: UpdateToolDocument, field: 'updateTool', body: true }),
  route({ method: 'DELETE', path: '/agents/:agentId/tools/:toolId', operation: DeleteToolDocument, field: 'deleteTool' }),
  route({ method: 'POST', path: '/characters', operation: CreateCharacterDocument, field: 'createCharacter', status: 201, body: true }),
  route({ method: 'POST', path: '/characters/import', operation: ImportCharacterDocument, field: 'importCharacter', status: 201, body: true }),
  route({
    method: 'GET',
    path: '/characters/:characterId/export',
    operation: ExportCharacterDocument,
    field: 'character.export',
    query: { format: 'string' },
  }),
  route({ method: 'GET', path: '/characters', operation: ListCharactersDocument, field: 'characters', query: pages }),
  route({ method: 'GET', path: '/characters/:characterId', operation: GetCharacterDocument, field: 'character' }),
  route({ method: 'PATCH', path: '/characters/:characterId', operation: UpdateCharacterDocument, field: 'updateCharacter', body: true }),
  route({
    method: 'DELETE',
    path: '/characters/:characterId',
    operation: DeleteCharacterDocument,
    field: 'deleteCharacter',
    query: { force: 'boolean' },
  }),
  route({
    method: 'GET',
    path: '/characters/:characterId/revisions',
    operation: ListCharacterRevisionsDocument,
    field: 'character.revisions',
    query: pages,
  }),
  route({
    method: 'GET',
    path: '/characters/:characterId/revisions/:number',
    operation: GetCharacterRevisionDocument,
    field: 'characterRevision',
    intParams: { number: 'must be a revision number (an integer, 1 or more)' },
  }),
  route({ method: 'POST', path: '/api-keys', operation: CreateApiKeyDocument, field: 'createApiKey', status: 201, body: true }),
  route({ method: 'GET', path: '/api-keys', operation: ListApiKeysDocument, field: 'apiKeys', query: pages }),
  route({ method: 'DELETE', path: '/api-keys/:keyId', operation: RevokeApiKeyDocument, field: 'revokeApiKey' }),
  route({
    method: 'POST',
    path: '/api-keys/:keyId/rotate',
    operation: RotateApiKeyDocument,
    field: 'rotateApiKey',
    status: 201,
    body: 'optional',
  }),
  route({ method: 'POST', path: '/webhooks', operation: CreateWebhookDocument, field: 'createWebhook', status: 201, body: true }),
  route({ method: 'GET', path: '/webhooks', operation: ListWebhooksDocument, field: 'webhooks', query: pages }),
  route({ method: 'GET', path: '/webhooks/:webhookId', operation: GetWebhookDocument, field: 'webhook' }),
  route({ method: 'PATCH', path: '/webhooks/:webhookId', operation: UpdateWebhookDocument, field: 'updateWebhook', body: true }),
  route({ method: 'DELETE', path: '/webhooks/:webhookId', operation: DeleteWebhookDocument, field: 'deleteWebhook' }),
  route({
    method: 'POST',
    path: '/webhooks/:webhookId/rotate-secret',
    operation: RotateWebhookSecretDocument,
    field: 'rotateWebhookSecret',
    status: 201,
  }),
  route({ method: 'POST', path: '/webhooks/:webhookId/test', operation: SendTestWebhookDocument, field: 'sendTestWebhook', status: 201 }),
  route({
    method: 'GET',
    path: '/webhooks/:webhookId/deliveries',
    operation: ListWebhookDeliveriesDocument,
    field: 'webhook.deliveries',
    query: pages,
  }),
  route({
    method: 'GET',
    path: '/webhooks/:webhookId/deliveries/:deliveryId',
    operation: GetWebhookDeliveryDocument,
    field: 'webhook.delivery',
  }),
  route({
    method: 'POST',
    path: '/webhooks/:webhookId/deliveries/:deliveryId/redeliver',
    operation: RedeliverWebhookDeliveryDocument,
    field: 'redeliverWebhookDelivery',
  }),
  route({ method: 'POST', path: '/accounts', operation: CreateAccountDocument, field: 'createAccount', status: 201, body: true }),
  route({ method: 'GET', path: '/accounts', operation: ListAccountsDocument, field: 'accounts', query: pages }),
  route({ method: 'GET', path: '/accounts/:accountId', operation: GetAccountDocument, field: 'account' }),
  route({ method: 'PATCH', path: '/accounts/:accountId', operation: UpdateAccountDocument, field: 'updateAccount', body: true }),
  // Knowledge: 201 for new content, 200 when the account already had it (the same document).
  route({
    method: 'POST',
    path: '/agents/:agentId/knowledge',
    operation: UploadAgentKnowledgeDocument,
    field: 'uploadKnowledge.document',
    createdFlag: 'uploadKnowledge.created',
    status: 201,
    body: true,
  }),
  route({ method: 'GET', path: '/agents/:agentId/knowledge', operation: ListAgentKnowledgeDocument, field: 'knowledgeDocuments', query: pages }),
  // A fixed path under /agents/:agentId/knowledge/ (e.g. …/search) must come before this one in
  // the table, or the router answers it here (405 for GET), as with /tools/secret above.
  route({
    method: 'GET',
    path: '/agents/:agentId/knowledge/search',
    operation: SearchAgentKnowledgeDocument,
    field: 'agent.knowledgeSearch',
    query: { q: 'string', limit: 'int' },
  }),
  route({ method: 'PUT', path: '/agents/:agentId/knowledge/:documentId', operation: AttachKnowledgeDocument, field: 'attachKnowledge' }),
  route({ method: 'DELETE', path: '/agents/:agentId/knowledge/:documentId', operation: DetachKnowledgeDocument, field: 'detachKnowledge' }),
  route({
    method: 'POST',
    path: '/knowledge',
    operation: UploadKnowledgeDocument,
    field: 'uploadKnowledge.document',
    createdFlag: 'uploadKnowledge.created',
    status: 201,
    body: true,
  }),
  route({ method: 'GET', path: '/knowledge', operation: ListKnowledgeDocument, field: 'knowledgeDocuments', query: pages }),
  route({ method: 'GET', path: '/knowledge/:documentId', operation: GetKnowledgeDocumentDocument, field: 'knowledgeDocument' }),
  route({
    method: 'GET',
    path: '/knowledge/:documentId/chunks',
    operation: ListKnowledgeChunksDocument,
    field: 'knowledgeDocument.chunks',
    query: pages,
  }),
  route({ method: 'DELETE', path: '/knowledge/:documentId', operation: DeleteKnowledgeDocumentDocument, field: 'deleteKnowledgeDocument' }),
  route({ method: 'POST', path: '/mcp-servers', operation: CreateMcpServerDocument, field: 'createMcpServer', status: 201, body: true }),
  route({ method: 'GET', path: '/mcp-servers', operation: ListMcpServersDocument, field: 'mcpServers', query: pages }),
  route({ method: 'GET', path: '/mcp-servers/:mcpServerId', operation: GetMcpServerDocument, field: 'mcpServer' }),
  route({ method: 'PATCH', path: '/mcp-servers/:mcpServerId', operation: UpdateMcpServerDocument, field: 'updateMcpServer', body: true }),
  route({ method: 'DELETE', path: '/mcp-servers/:mcpServerId', operation: DeleteMcpServerDocument, field: 'deleteMcpServer' }),
  // Lists the tools again and answers the server: nothing new is made, so 200.
  route({ method: 'POST', path: '/mcp-servers/:mcpServerId/refresh', operation: RefreshMcpServerDocument, field: 'refreshMcpServer' }),
  route({ method: 'GET', path: '/agents/:agentId/mcp-servers', operation: ListAgentMcpServersDocument, field: 'agent.mcpServers' }),
  // 201 when the agent did not use the server, 200 when its tool selection was replaced.
  route({
    method: 'PUT',
    path: '/agents/:agentId/mcp-servers/:mcpServerId',
    operation: EnableMcpServerDocument,
    field: 'enableMcpServer.agentMcpServer',
    createdFlag: 'enableMcpServer.created',
    status: 201,
    body: 'optional',
  }),
  route({
    method: 'DELETE',
    path: '/agents/:agentId/mcp-servers/:mcpServerId',
    operation: DisableMcpServerDocument,
    field: 'disableMcpServer',
  }),
];
