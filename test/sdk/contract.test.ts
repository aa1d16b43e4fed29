// CONTRACT: every operation of the /v1/openapi.json the app serves has a method in the TypeScript
// SDK (this table, type-checked against the client), and every method of the table is an
// operation of the document and a function. A new route without an SDK method fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrionOS } from '../../src/sdk/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

type Method = (...args: never[]) => unknown;

/** operationId → the SDK method that calls it, on an OrionOS client. */
const OPERATIONS: Record<string, (o: OrionOS) => Method> = {
  createAgent: (o) => o.agents.create,
  listAgents: (o) => o.agents.list,
  getAgent: (o) => o.agents.get,
  updateAgent: (o) => o.agents.update,
  deleteAgent: (o) => o.agents.delete,
  sendMessage: (o) => o.agents.sendMessage, // and o.agents.streamMessage (stream: true)
  promptPreview: (o) => o.agents.promptPreview,
  listConversations: (o) => o.agents.conversations,
  searchConversations: (o) => o.conversations.search,
  getAgentAnalytics: (o) => o.analytics.agent,
  getAccountAnalytics: (o) => o.analytics.account,
  getConversation: (o) => o.conversations.get,
  deleteConversation: (o) => o.conversations.delete,
  listMessages: (o) => o.conversations.messages,
  exportConversation: (o) => o.conversations.export,
  exportAgentConversations: (o) => o.conversations.exportAll,
  setMessageFeedback: (o) => o.messages.feedback,
  deleteMessageFeedback: (o) => o.messages.deleteFeedback,
  listPlugins: (o) => o.plugins.list,
  getPlugin: (o) => o.plugins.get,
  listAgentPlugins: (o) => o.plugins.listEnabled,
  enablePlugin: (o) => o.plugins.enable,
  disablePlugin: (o) => o.plugins.disable,
  createTool: (o) => o.tools.create,
  listTools: (o) => o.tools.list,
  rotateToolSecret: (o) => o.tools.rotateSecret,
  getTool: (o) => o.tools.get,
  updateTool: (o) => o.tools.update,
  deleteTool: (o) => o.tools.delete,
  createCharacter: (o) => o.characters.create,
  listCharacters: (o) => o.characters.list,
  importCharacter: (o) => o.characters.import,
  exportCharacter: (o) => o.characters.export,
  getCharacter: (o) => o.characters.get,
  updateCharacter: (o) => o.characters.update,
  deleteCharacter: (o) => o.characters.delete,
  listCharacterRevisions: (o) => o.characters.revisions,
  getCharacterRevision: (o) => o.characters.revision,
  createApiKey: (o) => o.apiKeys.create,
  listApiKeys: (o) => o.apiKeys.list,
  revokeApiKey: (o) => o.apiKeys.revoke,
  rotateApiKey: (o) => o.apiKeys.rotate,
  createWebhook: (o) => o.webhooks.create,
  listWebhooks: (o) => o.webhooks.list,
  getWebhook: (o) => o.webhooks.get,
  updateWebhook: (o) => o.webhooks.update,
  deleteWebhook: (o) => o.webhooks.delete,
  rotateWebhookSecret: (o) => o.webhooks.rotateSecret,
  sendTestWebhook: (o) => o.webhooks.test,
  listWebhookDeliveries: (o) => o.webhooks.deliveries, // (webhookId, {page, limit})
  getWebhookDelivery: (o) => o.webhooks.deliveries, // (webhookId, deliveryId)
  redeliverWebhookDelivery: (o) => o.webhooks.redeliver,
  createAccount: (o) => o.accounts.create,
  listAccounts: (o) => o.accounts.list,
  getAccount: (o) => o.accounts.get,
  updateAccount: (o) => o.accounts.update,
  uploadAgentKnowledge: (o) => o.knowledge.upload, // with agentId
  listAgentKnowledge: (o) => o.knowledge.list, // with agentId
  searchAgentKnowledge: (o) => o.knowledge.search,
  attachKnowledge: (o) => o.knowledge.attach,
  detachKnowledge: (o) => o.knowledge.detach,
  uploadKnowledge: (o) => o.knowledge.upload,
  listKnowledge: (o) => o.knowledge.list,
  getKnowledgeDocument: (o) => o.knowledge.get,
  deleteKnowledgeDocument: (o) => o.knowledge.delete,
  listKnowledgeChunks: (o) => o.knowledge.chunks,
  createMcpServer: (o) => o.mcpServers.create,
  listMcpServers: (o) => o.mcpServers.list,
  getMcpServer: (o) => o.mcpServers.get,
  updateMcpServer: (o) => o.mcpServers.update,
  deleteMcpServer: (o) => o.mcpServers.delete,
  refreshMcpServer: (o) => o.mcpServers.refresh,
  listAgentMcpServers: (o) => o.mcpServers.listForAgent,
  enableMcpServer: (o) => o.mcpServers.enable,
  disableMcpServer: (o) => o.mcpServers.disable,
};

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

let app: TestApp;
let socket: Awaited<ReturnType<typeof listen>>;
let operationIds: string[];

beforeAll(async () => {
  app = await startTestApp('pglite');
  socket = await listen(app.app);
  const answer = await fetch(`${socket.url}/v1/openapi.json`);
  expect(answer.status).toBe(200);
  const document = (await answer.json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
  operationIds = Object.values(document.paths).flatMap((item) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => {
        if (typeof operation.operationId !== 'string') throw new Error(`an operation (${method}) of /v1/openapi.json has no operationId`);
        return operation.operationId;
      }),
  );
});

afterAll(async () => {
  await socket?.close();
  await app?.close();
});

describe('the TypeScript SDK and /v1/openapi.json', () => {
  it('reads a document of unique operationIds', () => {
    expect(operationIds.length).toBeGreaterThan(50);
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it('has a method for every operation of the document', () => {
    const missing = operationIds.filter((operationId) => !Object.hasOwn(OPERATIONS, operationId)).sort();
    expect(missing, 'operations of /v1/openapi.json without a TypeScript SDK method').toEqual([]);
  });

  it('names no operation that the document does not have', () => {
    const served = new Set(operationIds);
    const stale = Object.keys(OPERATIONS).filter((operationId) => !served.has(operationId)).sort();
    expect(stale, 'operations in the table that the API no longer has').toEqual([]);
  });

  it('maps each operation to a function of the client, bound so it works detached', () => {
    const orion = new OrionOS({ apiKey: 'orn_test_contract', baseUrl: 'http://127.0.0.1:9/v1' });
    for (const [operationId, method] of Object.entries(OPERATIONS)) {
      const fn = method(orion);
      expect(typeof fn, operationId).toBe('function');
      expect(fn.name, `${operationId} is bound to its resource`).toMatch(/^bound /);
    }
    expect(typeof orion.agents.streamMessage).toBe('function');
    expect(typeof orion.paginate).toBe('function');
  });
});
