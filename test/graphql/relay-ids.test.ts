import { readFileSync } from 'node:fs';
import {
  type GraphQLSchema,
  buildSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
} from 'graphql';
import {
  Environment,
  Network,
  RecordSource,
  Store,
  commitMutation,
  fetchQuery,
  type GraphQLResponse,
} from 'relay-runtime';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { relayRequest } from '../support/relay.js';

/** The committed SDL: what a third-party client compiles its operations against. */
const sdl: GraphQLSchema = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));

describe('global object identification (schema)', () => {
  const objectTypes = Object.values(sdl.getTypeMap()).filter(
    (type) => isObjectType(type) && !type.name.startsWith('__'),
  ) as import('graphql').GraphQLObjectType[];

  it('every object type with an `id` field implements Node (its id is a global one)', () => {
    const withId = objectTypes.filter((type) => 'id' in type.getFields());
    expect(withId.map((t) => t.name)).toEqual(expect.arrayContaining(['Account', 'Agent', 'ApiKey', 'Conversation', 'Message']));
    const notNodes = withId.filter((type) => !type.getInterfaces().some((i) => i.name === 'Node'));
    expect(notNodes.map((t) => t.name)).toEqual([]);
    for (const type of withId) expect(String(type.getFields()['id']!.type)).toBe('ID!');
  });

  it('payloads name the object they are about instead of reusing its id', () => {
    const fields = (name: string) => Object.keys((sdl.getType(name) as import('graphql').GraphQLObjectType).getFields());
    expect(fields('DeleteAgentPayload')).toEqual(expect.arrayContaining(['deletedId', 'deleted']));
    expect(fields('DeleteCharacterPayload')).toEqual(expect.arrayContaining(['deletedId', 'deleted']));
    expect(fields('DeleteToolPayload')).toEqual(expect.arrayContaining(['deletedId', 'deleted']));
    expect(fields('DisablePluginPayload')).toEqual(expect.arrayContaining(['deletedId', 'deleted']));
    expect(fields('DeleteMcpServerPayload')).toEqual(expect.arrayContaining(['deletedId', 'deleted']));
    // An agent's use of a server names both; it is no object of its own.
    expect(fields('AgentMcpServer')).toEqual(expect.arrayContaining(['mcpServerId', 'agentId', 'mcpServer']));
    expect(fields('AgentMcpServer')).not.toContain('id');
    expect(fields('DisableMcpServerPayload')).toEqual(expect.arrayContaining(['mcpServerId', 'agentId', 'disabled']));
    // A catalog plugin is named, not a Node.
    expect(fields('Plugin')).not.toContain('id');
    // A revision is part of its character, not an object of its own: it has a number, no id.
    expect(fields('CharacterRevision')).not.toContain('id');
    expect(fields('DeleteConversationPayload')).toEqual(expect.arrayContaining(['deletedId', 'deleted']));
    expect(fields('SentMessage')).toEqual(expect.arrayContaining(['messageId', 'message', 'response']));
    const sentMessage = (sdl.getType('SentMessage') as import('graphql').GraphQLObjectType).getFields()['message']!;
    expect(getNamedType(sentMessage.type).name).toBe('Message');
    const node = sdl.getType('Node');
    expect(isInterfaceType(node) && sdl.getPossibleTypes(node).map((t) => t.name).sort()).toEqual(
      ['Account', 'Agent', 'ApiKey', 'Character', 'Conversation', 'KnowledgeDocument', 'McpServer', 'Message', 'Tool', 'Webhook', 'WebhookDelivery', 'WebhookEvent'],
    );
  });
});

/**
 * relay-runtime, the judge: real responses of this server normalized into a Relay store. A
 * payload that reused an object's id would make Relay warn about conflicting types and overwrite
 * the object's record.
 */
describe('relay-runtime normalizes real responses without conflicts', () => {
  let app: TestApp;
  let key: string;
  let accountId: string;
  let environment: Environment;
  let warnings: string[];

  beforeAll(async () => {
    app = await startTestApp('pglite');
    ({ key, accountId } = await app.newAccount());
  });
  afterAll(() => app?.close());

  beforeEach(() => {
    warnings = [];
    // Relay's development warnings (fbjs `warning`) go to console.error.
    const record = (...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
    };
    vi.spyOn(console, 'error').mockImplementation(record);
    vi.spyOn(console, 'warn').mockImplementation(record);
    const network = Network.create(async (params, variables) => {
      const res = await graphql(app, key, params.text!, variables);
      return res.body as GraphQLResponse;
    });
    environment = new Environment({ network, store: new Store(new RecordSource()) });
  });
  afterEach(() => vi.restoreAllMocks());

  const query = (source: string, variables: Record<string, unknown> = {}) =>
    fetchQuery(environment, relayRequest(sdl, source), variables).toPromise();

  const mutate = (source: string, variables: Record<string, unknown>) =>
    new Promise<any>((resolve, reject) => {
      commitMutation(environment, {
        mutation: relayRequest(sdl, source),
        variables,
        onCompleted: (data, errors) => (errors?.length ? reject(new Error(JSON.stringify(errors))) : resolve(data)),
        onError: reject,
      });
    });

  const typeOfRecord = (id: string) => environment.getStore().getSource().get(id)?.['__typename'];

  it('agents, messages, conversations and their delete payloads keep their own records', async () => {
    const agent = (
      await mutate('mutation CreateAgentR($input: CreateAgentInput!) { createAgent(input: $input) { id name status } }', {
        input: { name: 'Relay judge' },
      })
    ).createAgent;
    await query('query AgentsR { agents(first: 10) { totalCount nodes { id name } } viewer { id name } }');
    expect(typeOfRecord(agent.id)).toBe('Agent');

    const sent = (
      await mutate(
        'mutation SendR($agentId: ID!, $input: SendMessageInput!) { sendMessage(agentId: $agentId, input: $input) { messageId conversationId response message { id text role } } }',
        { agentId: agent.id, input: { text: 'Hello there', userId: 'relay-user' } },
      )
    ).sendMessage;
    expect(sent.message.id).toBe(sent.messageId);
    await query(
      'query ConversationR($id: ID!) { conversation(id: $id) { id messageCount messages(first: 10) { nodes { id role text status } } } }',
      { id: sent.conversationId },
    );
    expect(typeOfRecord(sent.messageId)).toBe('Message');
    expect(typeOfRecord(sent.conversationId)).toBe('Conversation');

    const deletedConversation = (
      await mutate('mutation DeleteConversationR($id: ID!) { deleteConversation(id: $id) { deletedId deleted } }', {
        id: sent.conversationId,
      })
    ).deleteConversation;
    expect(deletedConversation).toMatchObject({ deletedId: sent.conversationId, deleted: true });
    expect(typeOfRecord(sent.conversationId)).toBe('Conversation');

    const deletedAgent = (
      await mutate('mutation DeleteAgentR($id: ID!) { deleteAgent(id: $id) { deletedId deleted } }', { id: agent.id })
    ).deleteAgent;
    expect(deletedAgent).toMatchObject({ deletedId: agent.id, deleted: true });
    expect(typeOfRecord(agent.id)).toBe('Agent');

    expect(warnings.filter((w) => /conflicting|globally unique/.test(w))).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('an API key is a Node, readable through node(id:) with keys:manage only', async () => {
    const created = (
      await mutate(
        'mutation CreateKeyR($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id name scopes } } }',
        { input: { name: 'relay key', scopes: ['agents:read'] } },
      )
    ).createApiKey;
    const keyId = created.apiKey.id as string;
    const read: any = await query('query KeyNodeR($id: ID!) { node(id: $id) { __typename id ... on ApiKey { name prefix } } }', {
      id: keyId,
    });
    expect(read.node).toMatchObject({ __typename: 'ApiKey', id: keyId, name: 'relay key' });
    expect(typeOfRecord(keyId)).toBe('ApiKey');
    await query('query KeysR { apiKeys(first: 10) { nodes { id name revokedAt } } }');
    expect(typeOfRecord(keyId)).toBe('ApiKey');
    expect(warnings).toEqual([]);

    // Without keys:manage the key is not shown (nor is any of its fields).
    const agentsOnly = await app.keyWithScopes(accountId, ['agents:read']);
    const denied = await graphql(app, agentsOnly, 'query ($id: ID!) { node(id: $id) { id ... on ApiKey { name } } }', { id: keyId });
    expect(denied.body.data?.node ?? null).toBeNull();
    expect(JSON.stringify(denied.body)).not.toContain('relay key');

    // Another account's key is not found through node(id:) either.
    const other = await app.newAccount('Other');
    const foreign = await graphql(app, other.key, 'query ($id: ID!) { node(id: $id) { id ... on ApiKey { name } } }', { id: keyId });
    expect(foreign.body.data?.node ?? null).toBeNull();
    expect(JSON.stringify(foreign.body)).not.toContain('relay key');
  });

  it('an MCP server is a Node (node(id:) with its mcs_ ID); an agent’s use of it and the delete payload keep its record', async () => {
    const agent = (await mutate('mutation CreateAgentM($input: CreateAgentInput!) { createAgent(input: $input) { id name } }', { input: { name: 'MCP user' } }))
      .createAgent;
    // Private networks are not allowed in this app: the server is stored with status error, which is enough here.
    const server = (
      await mutate('mutation CreateMcpR($input: CreateMcpServerInput!) { createMcpServer(input: $input) { id name status } }', {
        input: { name: 'relay-mcp', url: 'https://mcp.example.com/mcp', timeoutMs: 1000 },
      })
    ).createMcpServer;
    expect(server.id).toMatch(/^mcs_/);
    expect(typeOfRecord(server.id)).toBe('McpServer');
    await mutate(
      'mutation EnableMcpR($a: ID!, $m: ID!) { enableMcpServer(agentId: $a, mcpServerId: $m) { created agentMcpServer { mcpServerId agentId tools mcpServer { id name } } } }',
      { a: agent.id, m: server.id },
    );
    const read: any = await query('query McpNodeR($id: ID!) { node(id: $id) { __typename id ... on McpServer { name headerNames } } }', { id: server.id });
    expect(read.node).toEqual({ __typename: 'McpServer', id: server.id, name: 'relay-mcp', headerNames: [] });
    await query('query McpListR($id: ID!) { mcpServers(first: 10) { nodes { id name } } agent(id: $id) { id mcpServers { mcpServerId mcpServer { id status } } } }', {
      id: agent.id,
    });
    expect(typeOfRecord(server.id)).toBe('McpServer');
    expect(typeOfRecord(agent.id)).toBe('Agent');
    const deleted = (await mutate('mutation DeleteMcpR($id: ID!) { deleteMcpServer(id: $id) { deletedId deleted } }', { id: server.id })).deleteMcpServer;
    expect(deleted).toEqual({ deletedId: server.id, deleted: true });
    expect(typeOfRecord(server.id)).toBe('McpServer');
    expect(warnings).toEqual([]);
    // Another account does not find it through node(id:).
    const other = await app.newAccount('Other MCP');
    const kept = (await graphql(app, key, 'mutation { createMcpServer(input: {name: "kept", url: "https://mcp.example.com/k", timeoutMs: 1000}) { id } }')).body.data
      .createMcpServer.id;
    expect((await graphql(app, other.key, 'query ($id: ID!) { node(id: $id) { id } }', { id: kept })).body.data.node).toBeNull();
  });

  it('REST keeps its documented shapes: `id` in a send and in delete answers', async () => {
    const agent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'REST shape' })).body.data;
    const sent = await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u' });
    expect(sent.status).toBe(201);
    expect(Object.keys(sent.body.data)).toEqual([
      'id', 'conversationId', 'agentId', 'userId', 'text', 'response', 'model', 'usage', 'latencyMs', 'createdAt', 'toolCalls', 'citations',
    ]);
    expect(sent.body.data.id).toMatch(/^msg_/);
    const conversation = await app.http.delete(`/v1/conversations/${sent.body.data.conversationId}`).set(bearer(key));
    expect(conversation.body.data).toEqual({ id: sent.body.data.conversationId, deleted: true });
    const deleted = await app.http.delete(`/v1/agents/${agent.id}`).set(bearer(key));
    expect(deleted.body.data).toEqual({ id: agent.id, deleted: true });
  });
});
