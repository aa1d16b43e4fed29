import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../src/rest/routes.js';
import { schema } from '../../src/graphql/schema.js';
import { SCOPES, type Scope } from '../../src/services/scopes.js';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

/** Every route and every GraphQL field, called by a key that has every scope but the one it needs. */
describe('scope matrix', () => {
  let app: TestApp;
  let accountId: string;
  let ids: {
    agentId: string;
    conversationId: string;
    keyId: string;
    accountId: string;
    messageId: string;
    characterId: string;
    number: string;
    pluginId: string;
    toolId: string;
    webhookId: string;
    deliveryId: string;
    eventId: string;
    documentId: string;
    mcpServerId: string;
  };
  const keys = new Map<Scope, string>();

  beforeAll(async () => {
    app = await startTestApp('pglite');
    const owner = await app.newAccount('Scopes');
    accountId = owner.accountId;
    const agent = (await app.http.post('/v1/agents').set(bearer(owner.key)).send({ name: 'S' })).body.data;
    const sent = (await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(owner.key)).send({ text: 'hi', userId: 'u' })).body.data;
    const key = (await app.http.post('/v1/api-keys').set(bearer(owner.key)).send({ name: 'k', scopes: ['agents:read'] })).body.data;
    const character = (await app.http.post('/v1/characters').set(bearer(owner.key)).send({ name: 'C' })).body.data;
    await app.http.put(`/v1/agents/${agent.id}/plugins/time`).set(bearer(owner.key));
    const tool = (
      await app.http
        .post(`/v1/agents/${agent.id}/tools`)
        .set(bearer(owner.key))
        .send({ name: 'lookup', description: 'Looks up', parameters: { type: 'object' }, url: 'https://tools.example.com/x' })
    ).body.data.tool;
    const webhook = (
      await app.http.post('/v1/webhooks').set(bearer(owner.key)).send({ url: 'https://hooks.example.com/x', events: ['*'] })
    ).body.data.webhook;
    const delivery = (await app.http.post(`/v1/webhooks/${webhook.id}/test`).set(bearer(owner.key))).body.data;
    const document = (await app.http.post(`/v1/agents/${agent.id}/knowledge`).set(bearer(owner.key)).send({ text: 'Scoped knowledge.' })).body.data;
    // Private networks are not allowed here: the server is stored with status error, which is enough.
    const mcpServer = (await app.http.post('/v1/mcp-servers').set(bearer(owner.key)).send({ name: 'scoped', url: 'https://mcp.example.com/mcp', timeoutMs: 1_000 })).body.data;
    await app.http.put(`/v1/agents/${agent.id}/mcp-servers/${mcpServer.id}`).set(bearer(owner.key)).expect(201);
    ids = {
      mcpServerId: mcpServer.id,
      documentId: document.id,
      webhookId: webhook.id,
      deliveryId: delivery.id,
      eventId: delivery.event.id,
      agentId: agent.id,
      conversationId: sent.conversationId,
      keyId: key.apiKey.id,
      accountId,
      messageId: sent.id,
      characterId: character.id,
      number: '1',
      pluginId: 'time',
      toolId: tool.id,
    };
    for (const scope of SCOPES) {
      keys.set(scope, await app.keyWithScopes(accountId, SCOPES.filter((s) => s !== scope)));
    }
  });
  afterAll(() => app?.close());

  const restCases: Record<string, { scope: Scope; body?: object; query?: string; alsoNeeds?: Scope[] }> = {
    'POST /agents': { scope: 'agents:write', body: { name: 'x' } },
    'GET /agents': { scope: 'agents:read' },
    'GET /agents/:agentId': { scope: 'agents:read' },
    'PATCH /agents/:agentId': { scope: 'agents:write', body: { name: 'y' } },
    'DELETE /agents/:agentId': { scope: 'agents:write' },
    'POST /agents/:agentId/messages': { scope: 'messages:write', body: { text: 'hi', userId: 'u' } },
    'GET /agents/:agentId/prompt-preview': { scope: 'agents:read', query: '?userId=u', alsoNeeds: ['conversations:read'] },
    'GET /agents/:agentId/conversations': { scope: 'conversations:read' },
    'GET /agents/:agentId/analytics': { scope: 'conversations:read', alsoNeeds: ['agents:read'] },
    'GET /analytics': { scope: 'conversations:read' },
    'GET /conversations': { scope: 'conversations:read', query: '?q=hi' },
    'GET /conversations/:conversationId': { scope: 'conversations:read' },
    'POST /messages/:messageId/feedback': { scope: 'messages:write', body: { rating: 'like' } },
    'DELETE /messages/:messageId/feedback': { scope: 'messages:write' },
    'GET /conversations/:conversationId/messages': { scope: 'conversations:read' },
    'GET /conversations/:conversationId/export': { scope: 'conversations:read', query: '?format=markdown' },
    'GET /agents/:agentId/conversations/export': { scope: 'conversations:read' },
    'DELETE /conversations/:conversationId': { scope: 'messages:write' },
    'POST /characters': { scope: 'characters:write', body: { name: 'x' } },
    'GET /characters': { scope: 'characters:read' },
    'GET /characters/:characterId': { scope: 'characters:read' },
    'PATCH /characters/:characterId': { scope: 'characters:write', body: { name: 'y' } },
    'DELETE /characters/:characterId': { scope: 'characters:write' },
    'POST /characters/import': { scope: 'characters:write', body: { name: 'x', bio: 'y' } },
    'GET /characters/:characterId/export': { scope: 'characters:read' },
    'GET /characters/:characterId/revisions': { scope: 'characters:read' },
    'GET /characters/:characterId/revisions/:number': { scope: 'characters:read' },
    'GET /plugins': { scope: 'agents:read' },
    'GET /plugins/:pluginId': { scope: 'agents:read' },
    'GET /agents/:agentId/plugins': { scope: 'agents:read' },
    'PUT /agents/:agentId/plugins/:pluginId': { scope: 'agents:write', body: { config: { defaultTimeZone: 'Europe/Paris' } } },
    'DELETE /agents/:agentId/plugins/:pluginId': { scope: 'agents:write' },
    'POST /agents/:agentId/tools': {
      scope: 'agents:write',
      body: { name: 'other', description: 'd', parameters: { type: 'object' }, url: 'https://tools.example.com/y' },
    },
    'GET /agents/:agentId/tools': { scope: 'agents:read' },
    'POST /agents/:agentId/tools/secret': { scope: 'agents:write' },
    'GET /agents/:agentId/tools/:toolId': { scope: 'agents:read' },
    'PATCH /agents/:agentId/tools/:toolId': { scope: 'agents:write', body: { timeoutMs: 500 } },
    'DELETE /agents/:agentId/tools/:toolId': { scope: 'agents:write' },
    'POST /api-keys': { scope: 'keys:manage', body: { name: 'x', scopes: ['agents:read'] } },
    'GET /api-keys': { scope: 'keys:manage' },
    'DELETE /api-keys/:keyId': { scope: 'keys:manage' },
    'POST /api-keys/:keyId/rotate': { scope: 'keys:manage', body: {} },
    'POST /webhooks': { scope: 'webhooks:manage', body: { url: 'https://hooks.example.com/y', events: ['agent.created'] } },
    'GET /webhooks': { scope: 'webhooks:manage' },
    'GET /webhooks/:webhookId': { scope: 'webhooks:manage' },
    'PATCH /webhooks/:webhookId': { scope: 'webhooks:manage', body: { enabled: false } },
    'DELETE /webhooks/:webhookId': { scope: 'webhooks:manage' },
    'POST /webhooks/:webhookId/rotate-secret': { scope: 'webhooks:manage' },
    'POST /webhooks/:webhookId/test': { scope: 'webhooks:manage' },
    'GET /webhooks/:webhookId/deliveries': { scope: 'webhooks:manage' },
    'GET /webhooks/:webhookId/deliveries/:deliveryId': { scope: 'webhooks:manage' },
    'POST /webhooks/:webhookId/deliveries/:deliveryId/redeliver': { scope: 'webhooks:manage' },
    'POST /accounts': { scope: 'admin', body: { name: 'x' } },
    'GET /accounts': { scope: 'admin' },
    'GET /accounts/:accountId': { scope: 'admin' },
    'PATCH /accounts/:accountId': { scope: 'admin', body: { tier: 'pro' } },
    'POST /agents/:agentId/knowledge': { scope: 'knowledge:write', body: { text: 'New knowledge.' } },
    'GET /agents/:agentId/knowledge': { scope: 'knowledge:read' },
    'PUT /agents/:agentId/knowledge/:documentId': { scope: 'knowledge:write' },
    'DELETE /agents/:agentId/knowledge/:documentId': { scope: 'knowledge:write' },
    'POST /knowledge': { scope: 'knowledge:write', body: { text: 'Other knowledge.' } },
    'GET /knowledge': { scope: 'knowledge:read' },
    'GET /knowledge/:documentId': { scope: 'knowledge:read' },
    'GET /knowledge/:documentId/chunks': { scope: 'knowledge:read' },
    'DELETE /knowledge/:documentId': { scope: 'knowledge:write' },
    'GET /agents/:agentId/knowledge/search': { scope: 'knowledge:read', query: '?q=hi', alsoNeeds: ['agents:read'] },
    'POST /mcp-servers': { scope: 'agents:write', body: { name: 'other', url: 'https://mcp.example.com/other' } },
    'GET /mcp-servers': { scope: 'agents:read' },
    'GET /mcp-servers/:mcpServerId': { scope: 'agents:read' },
    'PATCH /mcp-servers/:mcpServerId': { scope: 'agents:write', body: { description: 'changed' } },
    'DELETE /mcp-servers/:mcpServerId': { scope: 'agents:write' },
    'POST /mcp-servers/:mcpServerId/refresh': { scope: 'agents:write' },
    'GET /agents/:agentId/mcp-servers': { scope: 'agents:read' },
    'PUT /agents/:agentId/mcp-servers/:mcpServerId': { scope: 'agents:write', body: { tools: null } },
    'DELETE /agents/:agentId/mcp-servers/:mcpServerId': { scope: 'agents:write' },
  };

  it('covers every REST route', () => {
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(Object.keys(restCases).sort());
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s without its scope → 403, nothing changes', async (name, route) => {
    const { scope, body, query = '', alsoNeeds = [] } = restCases[name]!;
    const path = `/v1${route.path.replace(/:(\w+)/g, (_, p: keyof typeof ids) => ids[p])}${query}`;
    const counts = () =>
      Promise.all([
        app.db.prisma.agent.count(),
        app.db.prisma.apiKey.count(),
        app.db.prisma.message.count(),
        app.db.prisma.account.count(),
        app.db.prisma.character.count(),
        app.db.prisma.characterRevision.count(),
        app.db.prisma.agentPlugin.findMany({ orderBy: { pluginId: 'asc' } }),
        app.db.prisma.tool.findMany({ orderBy: { id: 'asc' } }),
        app.db.prisma.agent.findMany({ select: { toolSecret: true }, orderBy: { id: 'asc' } }),
        app.db.prisma.webhookEndpoint.findMany({ orderBy: { id: 'asc' } }),
        app.db.prisma.webhookDelivery.findMany({ orderBy: { id: 'asc' } }),
        app.db.prisma.webhookEvent.count(),
        app.db.prisma.knowledgeDocument.count(),
        app.db.prisma.knowledgeChunk.count(),
        app.db.prisma.agentKnowledge.count(),
        app.db.prisma.mcpServer.findMany({ orderBy: { id: 'asc' } }),
        app.db.prisma.agentMcpServer.findMany({ orderBy: { mcpServerId: 'asc' } }),
        app.db.prisma.agent.findMany({ select: { enabledMcpServers: true }, orderBy: { id: 'asc' } }),
      ]);
    const before = await counts();
    const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    let req = app.http[method](path).set(bearer(keys.get(scope)!));
    if (body) req = req.send(body);
    const res = await req;
    expect([res.status, res.body.error?.code, res.body.error?.details.requiredScope]).toEqual([403, 'FORBIDDEN', scope]);
    const after = await counts();
    expect(after).toEqual(before);
    if (route.method === 'GET') {
      // A key with just that scope is served (reads only: writes here would change the fixtures).
      const only = await app.keyWithScopes(accountId, [scope, ...alsoNeeds]);
      expect((await app.http.get(path).set(bearer(only))).status).toBe(200);
    }
  });

  const gqlCases: Record<string, { scope: Scope; query: string; variables?: (i: typeof ids) => Record<string, unknown> }> = {
    'Query.agent': { scope: 'agents:read', query: 'query($id: ID!) { agent(id: $id) { id } }', variables: (i) => ({ id: i.agentId }) },
    'Query.agents': { scope: 'agents:read', query: '{ agents { totalCount } }' },
    'Query.conversations': { scope: 'conversations:read', query: 'query($id: ID!) { conversations(agentId: $id) { totalCount } }', variables: (i) => ({ id: i.agentId }) },
    'Query.conversation': { scope: 'conversations:read', query: 'query($id: ID!) { conversation(id: $id) { id } }', variables: (i) => ({ id: i.conversationId }) },
    'Query.apiKeys': { scope: 'keys:manage', query: '{ apiKeys { totalCount } }' },
    'Query.accounts': { scope: 'admin', query: '{ accounts { totalCount } }' },
    'Query.account': { scope: 'admin', query: 'query($id: ID!) { account(id: $id) { id } }', variables: (i) => ({ id: i.accountId }) },
    'Query.node(Agent)': { scope: 'agents:read', query: 'query($id: ID!) { node(id: $id) { id } }', variables: (i) => ({ id: i.agentId }) },
    'Query.node(Conversation)': { scope: 'conversations:read', query: 'query($id: ID!) { node(id: $id) { id } }', variables: (i) => ({ id: i.conversationId }) },
    'Query.node(Message)': { scope: 'conversations:read', query: 'query($id: ID!) { node(id: $id) { id } }', variables: (i) => ({ id: i.messageId }) },
    'Agent.conversations': { scope: 'conversations:read', query: 'query($id: ID!) { agent(id: $id) { conversations { totalCount } } }', variables: (i) => ({ id: i.agentId }) },
    'Conversation.messages (through node)': { scope: 'agents:read', query: 'query($id: ID!) { agent(id: $id) { id } }', variables: (i) => ({ id: i.agentId }) },
    'Agent.analytics': {
      scope: 'conversations:read',
      query: 'query($id: ID!) { agent(id: $id) { analytics { totals { messages } } } }',
      variables: (i) => ({ id: i.agentId }),
    },
    'Account.analytics (viewer)': { scope: 'conversations:read', query: '{ viewer { analytics { totals { messages } } } }' },
    'Agent.promptPreview': { scope: 'agents:read', query: 'query($id: ID!) { node(id: $id) { ... on Agent { promptPreview(userId: "u") { estimatedTokens } } } }', variables: (i) => ({ id: i.agentId }) },
    'Mutation.createAgent': { scope: 'agents:write', query: 'mutation { createAgent(input: {name: "x"}) { id } }' },
    'Mutation.updateAgent': { scope: 'agents:write', query: 'mutation($id: ID!) { updateAgent(id: $id, input: {name: "z"}) { id } }', variables: (i) => ({ id: i.agentId }) },
    'Mutation.deleteAgent': { scope: 'agents:write', query: 'mutation($id: ID!) { deleteAgent(id: $id) { deletedId } }', variables: (i) => ({ id: i.agentId }) },
    'Mutation.sendMessage': { scope: 'messages:write', query: 'mutation($id: ID!) { sendMessage(agentId: $id, input: {text: "x", userId: "u"}) { messageId } }', variables: (i) => ({ id: i.agentId }) },
    'Query.conversations(filter)': { scope: 'conversations:read', query: '{ conversations(filter: {q: "hi"}) { totalCount } }' },
    'Mutation.setMessageFeedback': {
      scope: 'messages:write',
      query: 'mutation($id: ID!) { setMessageFeedback(messageId: $id, input: {rating: like}) { rating } }',
      variables: (i) => ({ id: i.messageId }),
    },
    'Mutation.deleteMessageFeedback': {
      scope: 'messages:write',
      query: 'mutation($id: ID!) { deleteMessageFeedback(messageId: $id) { deleted } }',
      variables: (i) => ({ id: i.messageId }),
    },
    'Mutation.deleteConversation': { scope: 'messages:write', query: 'mutation($id: ID!) { deleteConversation(id: $id) { deletedId } }', variables: (i) => ({ id: i.conversationId }) },
    'Query.character': { scope: 'characters:read', query: 'query($id: ID!) { character(id: $id) { id } }', variables: (i) => ({ id: i.characterId }) },
    'Query.characters': { scope: 'characters:read', query: '{ characters { totalCount } }' },
    'Query.characterRevision': {
      scope: 'characters:read',
      query: 'query($id: ID!) { characterRevision(id: $id, number: 1) { number } }',
      variables: (i) => ({ id: i.characterId }),
    },
    'Agent.character': {
      scope: 'characters:read',
      query: 'query($id: ID!) { agent(id: $id) { character { id } } }',
      variables: (i) => ({ id: i.agentId }),
    },
    'Query.node(Character)': { scope: 'characters:read', query: 'query($id: ID!) { node(id: $id) { id } }', variables: (i) => ({ id: i.characterId }) },
    'Mutation.createCharacter': { scope: 'characters:write', query: 'mutation { createCharacter(input: {name: "x"}) { id } }' },
    'Mutation.importCharacter': {
      scope: 'characters:write',
      query: 'mutation($f: JSONObject!) { importCharacter(input: $f) { format } }',
      variables: () => ({ f: { name: 'x', bio: 'y' } }),
    },
    'Mutation.updateCharacter': {
      scope: 'characters:write',
      query: 'mutation($id: ID!) { updateCharacter(id: $id, input: {name: "z"}) { id } }',
      variables: (i) => ({ id: i.characterId }),
    },
    'Mutation.deleteCharacter': {
      scope: 'characters:write',
      query: 'mutation($id: ID!) { deleteCharacter(id: $id) { deletedId } }',
      variables: (i) => ({ id: i.characterId }),
    },
    'Query.plugins': { scope: 'agents:read', query: '{ plugins { pluginId } }' },
    'Query.plugin': { scope: 'agents:read', query: '{ plugin(id: "time") { pluginId } }' },
    'Query.tool': { scope: 'agents:read', query: 'query($id: ID!) { tool(id: $id) { id } }', variables: (i) => ({ id: i.toolId }) },
    'Query.node(Tool)': { scope: 'agents:read', query: 'query($id: ID!) { node(id: $id) { id } }', variables: (i) => ({ id: i.toolId }) },
    'Mutation.enablePlugin': {
      scope: 'agents:write',
      query: 'mutation($id: ID!) { enablePlugin(agentId: $id, pluginId: "calculator") { pluginId } }',
      variables: (i) => ({ id: i.agentId }),
    },
    'Mutation.disablePlugin': {
      scope: 'agents:write',
      query: 'mutation($id: ID!) { disablePlugin(agentId: $id, pluginId: "time") { deletedId } }',
      variables: (i) => ({ id: i.agentId }),
    },
    'Mutation.createTool': {
      scope: 'agents:write',
      query: 'mutation($id: ID!, $p: JSONObject!) { createTool(agentId: $id, input: {name: "t2", description: "d", parameters: $p, url: "https://tools.example.com/z"}) { signingSecret } }',
      variables: (i) => ({ id: i.agentId, p: { type: 'object' } }),
    },
    'Mutation.updateTool': {
      scope: 'agents:write',
      query: 'mutation($id: ID!) { updateTool(id: $id, input: {timeoutMs: 200}) { id } }',
      variables: (i) => ({ id: i.toolId }),
    },
    'Mutation.deleteTool': { scope: 'agents:write', query: 'mutation($id: ID!) { deleteTool(id: $id) { deletedId } }', variables: (i) => ({ id: i.toolId }) },
    'Mutation.rotateToolSecret': {
      scope: 'agents:write',
      query: 'mutation($id: ID!) { rotateToolSecret(agentId: $id) { secret } }',
      variables: (i) => ({ id: i.agentId }),
    },
    'Mutation.createApiKey': { scope: 'keys:manage', query: 'mutation { createApiKey(input: {name: "x", scopes: ["agents:read"]}) { secret } }' },
    'Mutation.revokeApiKey': { scope: 'keys:manage', query: 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', variables: (i) => ({ id: i.keyId }) },
    'Mutation.rotateApiKey': { scope: 'keys:manage', query: 'mutation($id: ID!) { rotateApiKey(id: $id) { secret } }', variables: (i) => ({ id: i.keyId }) },
    'Query.webhooks': { scope: 'webhooks:manage', query: '{ webhooks { totalCount } }' },
    'Query.webhook': { scope: 'webhooks:manage', query: 'query($id: ID!) { webhook(id: $id) { id } }', variables: (i) => ({ id: i.webhookId }) },
    'Query.node(Webhook)': { scope: 'webhooks:manage', query: 'query($id: ID!) { node(id: $id) { id } }', variables: (i) => ({ id: i.webhookId }) },
    'Query.node(WebhookDelivery)': {
      scope: 'webhooks:manage',
      query: 'query($id: ID!) { node(id: $id) { id } }',
      variables: (i) => ({ id: i.deliveryId }),
    },
    'Query.node(WebhookEvent)': { scope: 'webhooks:manage', query: 'query($id: ID!) { node(id: $id) { id } }', variables: (i) => ({ id: i.eventId }) },
    'Mutation.createWebhook': {
      scope: 'webhooks:manage',
      query: 'mutation { createWebhook(input: {url: "https://hooks.example.com/z", events: ["*"]}) { secret } }',
    },
    'Mutation.updateWebhook': {
      scope: 'webhooks:manage',
      query: 'mutation($id: ID!) { updateWebhook(id: $id, input: {enabled: false}) { id } }',
      variables: (i) => ({ id: i.webhookId }),
    },
    'Mutation.deleteWebhook': { scope: 'webhooks:manage', query: 'mutation($id: ID!) { deleteWebhook(id: $id) { deletedId } }', variables: (i) => ({ id: i.webhookId }) },
    'Mutation.rotateWebhookSecret': {
      scope: 'webhooks:manage',
      query: 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }',
      variables: (i) => ({ id: i.webhookId }),
    },
    'Mutation.sendTestWebhook': { scope: 'webhooks:manage', query: 'mutation($id: ID!) { sendTestWebhook(id: $id) { id } }', variables: (i) => ({ id: i.webhookId }) },
    'Mutation.redeliverWebhookDelivery': {
      scope: 'webhooks:manage',
      query: 'mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { id } }',
      variables: (i) => ({ id: i.deliveryId }),
    },
    'Mutation.createAccount': { scope: 'admin', query: 'mutation { createAccount(input: {name: "x"}) { secret } }' },
    'Query.knowledgeDocument': {
      scope: 'knowledge:read',
      query: 'query($id: ID!) { knowledgeDocument(id: $id) { id } }',
      variables: (i) => ({ id: i.documentId }),
    },
    'Query.knowledgeDocuments': { scope: 'knowledge:read', query: '{ knowledgeDocuments { totalCount } }' },
    'Query.node(KnowledgeDocument)': { scope: 'knowledge:read', query: 'query($id: ID!) { node(id: $id) { id } }', variables: (i) => ({ id: i.documentId }) },
    'Agent.knowledge': { scope: 'knowledge:read', query: 'query($id: ID!) { agent(id: $id) { knowledge { totalCount } } }', variables: (i) => ({ id: i.agentId }) },
    'Mutation.uploadKnowledge': { scope: 'knowledge:write', query: 'mutation { uploadKnowledge(input: {text: "x"}) { created } }' },
    'Mutation.attachKnowledge': {
      scope: 'knowledge:write',
      query: 'mutation($a: ID!, $d: ID!) { attachKnowledge(agentId: $a, documentId: $d) { id } }',
      variables: (i) => ({ a: i.agentId, d: i.documentId }),
    },
    'Mutation.detachKnowledge': {
      scope: 'knowledge:write',
      query: 'mutation($a: ID!, $d: ID!) { detachKnowledge(agentId: $a, documentId: $d) { detached } }',
      variables: (i) => ({ a: i.agentId, d: i.documentId }),
    },
    'Mutation.deleteKnowledgeDocument': {
      scope: 'knowledge:write',
      query: 'mutation($id: ID!) { deleteKnowledgeDocument(id: $id) { deletedId } }',
      variables: (i) => ({ id: i.documentId }),
    },
    'Mutation.updateAccount': { scope: 'admin', query: 'mutation($id: ID!) { updateAccount(id: $id, input: {tier: pro}) { id } }', variables: (i) => ({ id: i.accountId }) },
    'Query.mcpServer': { scope: 'agents:read', query: 'query($id: ID!) { mcpServer(id: $id) { id } }', variables: (i) => ({ id: i.mcpServerId }) },
    'Query.mcpServers': { scope: 'agents:read', query: '{ mcpServers { totalCount } }' },
    'Query.node(McpServer)': { scope: 'agents:read', query: 'query($id: ID!) { node(id: $id) { id } }', variables: (i) => ({ id: i.mcpServerId }) },
    'Mutation.createMcpServer': { scope: 'agents:write', query: 'mutation { createMcpServer(input: {name: "gql", url: "https://mcp.example.com/gql"}) { id } }' },
    'Mutation.updateMcpServer': {
      scope: 'agents:write',
      query: 'mutation($id: ID!) { updateMcpServer(id: $id, input: {description: "x"}) { id } }',
      variables: (i) => ({ id: i.mcpServerId }),
    },
    'Mutation.refreshMcpServer': { scope: 'agents:write', query: 'mutation($id: ID!) { refreshMcpServer(id: $id) { id } }', variables: (i) => ({ id: i.mcpServerId }) },
    'Mutation.deleteMcpServer': { scope: 'agents:write', query: 'mutation($id: ID!) { deleteMcpServer(id: $id) { deletedId } }', variables: (i) => ({ id: i.mcpServerId }) },
    'Mutation.enableMcpServer': {
      scope: 'agents:write',
      query: 'mutation($a: ID!, $m: ID!) { enableMcpServer(agentId: $a, mcpServerId: $m) { created } }',
      variables: (i) => ({ a: i.agentId, m: i.mcpServerId }),
    },
    'Mutation.disableMcpServer': {
      scope: 'agents:write',
      query: 'mutation($a: ID!, $m: ID!) { disableMcpServer(agentId: $a, mcpServerId: $m) { disabled } }',
      variables: (i) => ({ a: i.agentId, m: i.mcpServerId }),
    },
    'Agent.knowledgeSearch': {
      scope: 'knowledge:read',
      query: 'query($id: ID!) { agent(id: $id) { knowledgeSearch(q: "hi") { ranking } } }',
      variables: (i) => ({ id: i.agentId }),
    },
  };

  it('covers every root field that needs a scope', () => {
    const rootFields = ['Query', 'Mutation']
      .flatMap((type) => Object.keys((schema.getType(type) as any).getFields()).map((f) => `${type}.${f}`))
      .filter((f) => !['Query.viewer', 'Query.node'].includes(f));
    const covered = Object.keys(gqlCases).map((k) => k.replace(/\(.*\)$/, '').trim());
    for (const field of rootFields) expect(covered).toContain(field);
  });

  it.each(Object.entries(gqlCases))('%s without its scope → FORBIDDEN', async (_name, { scope, query, variables }) => {
    const res = await graphql(app, keys.get(scope)!, query, variables?.(ids) ?? {});
    expect(res.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(res.body.errors[0].extensions.details.requiredScope).toBe(scope);
  });

  it('Conversation.messages needs conversations:read even when reached through node', async () => {
    const key = await app.keyWithScopes(accountId, ['agents:read']);
    const res = await graphql(app, key, 'query($id: ID!) { agent(id: $id) { conversations { nodes { messages { totalCount } } } } }', { id: ids.agentId });
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', details: { requiredScope: 'conversations:read' } });
  });

  it('a prompt preview shows conversation history, so it needs conversations:read as well as agents:read (both protocols)', async () => {
    const readerOfAgents = await app.keyWithScopes(accountId, ['agents:read']);
    const rest = await app.http.get(`/v1/agents/${ids.agentId}/prompt-preview?userId=u`).set(bearer(readerOfAgents));
    expect([rest.status, rest.body.error.code, rest.body.error.details.requiredScope]).toEqual([403, 'FORBIDDEN', 'conversations:read']);
    expect(JSON.stringify(rest.body)).not.toContain('"hi"');
    const gql = await graphql(app, readerOfAgents, OPS.promptPreview, { agentId: ids.agentId, userId: 'u' });
    expect([gql.status, gql.body.errors[0].extensions.code]).toEqual([403, 'FORBIDDEN']);
    expect(gql.body.errors[0].extensions.details).toEqual(rest.body.error.details);
    expect(gql.body.data?.agent?.promptPreview ?? null).toBeNull();
    // The same messages GET /conversations/{id}/messages would show, to a key allowed to read them.
    const both = await app.keyWithScopes(accountId, ['agents:read', 'conversations:read']);
    const allowed = await app.http.get(`/v1/agents/${ids.agentId}/prompt-preview?userId=u`).set(bearer(both));
    expect(allowed.status).toBe(200);
    expect(allowed.body.data.messages).toContainEqual({ role: 'user', content: 'hi' });
  });

  it('the subscription needs messages:write', async () => {
    const res = await app.http
      .post('/graphql')
      .set(bearer(keys.get('messages:write')!))
      .set('Accept', 'text/event-stream')
      .send({ query: `subscription { sendMessageStream(agentId: "${ids.agentId}", input: {text: "x", userId: "u"}) { __typename } }` });
    expect(res.text).toContain('FORBIDDEN');
    expect(await app.db.prisma.message.count({ where: { text: 'x', userId: 'u' } })).toBe(0);
  });

  it.each([
    ['conversationExport', (i: typeof ids) => `conversationExport(conversationId: "${i.conversationId}") { text }`],
    ['agentConversationsExport', (i: typeof ids) => `agentConversationsExport(agentId: "${i.agentId}") { text }`],
  ])('the %s subscription needs conversations:read', async (_name, selection) => {
    const res = await app.http
      .post('/graphql')
      .set(bearer(keys.get('conversations:read')!))
      .set('Accept', 'text/event-stream')
      .send({ query: `subscription { ${selection(ids)} }` });
    expect(res.text).toContain('"requiredScope":"conversations:read"');
    expect(res.text).not.toContain('"text"');
  });
});
