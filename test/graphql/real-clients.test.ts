// The clients people use against a GraphQL API, as they use them: Apollo Client over HTTP (queries,
// mutations, and subscriptions over multipart HTTP), graphql-sse, and Relay (relay-compiler's own
// artifacts, run by relay-runtime). The WebSocket transport has its own file (websocket.test.ts).
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createClient as createSseClient } from 'graphql-sse';
import { Environment, Network, RecordSource, Store, fetchQuery, type ConcreteRequest } from 'relay-runtime';
import type { Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, type TestApp } from '../support/app.js';
import { ROOT_DIR } from '../support/server-process.js';
import { listen } from '../support/sse.js';

const STREAM = `subscription Stream($agentId: ID!, $input: SendMessageInput!) {
  sendMessageStream(agentId: $agentId, input: $input) {
    __typename
    ... on MessageDelta { delta }
    ... on MessageCompleted { message { messageId response conversationId } }
  }
}`;

function collect<T>(observable: Observable<T>): Promise<{ values: T[]; error?: unknown }> {
  return new Promise((resolve) => {
    const values: T[] = [];
    observable.subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => resolve({ values, error }),
      complete: () => resolve({ values }),
    });
  });
}

const RELAY_COMPILER = path.join(ROOT_DIR, 'node_modules', '.bin', 'relay-compiler');
const RELAY_FIXTURE = path.join(ROOT_DIR, 'test', 'graphql', 'relay-fixture');

/** Runs relay-compiler on the fixture's operations against the committed schema; fails on any error. */
async function compileRelayFixture(): Promise<{ dir: string; output: string; artifacts: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orion-relay-'));
  await mkdir(path.join(dir, 'src'));
  await mkdir(path.join(dir, 'generated'));
  await cp(path.join(RELAY_FIXTURE, 'operations.js'), path.join(dir, 'src', 'operations.js'));
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(
    path.join(dir, 'relay.config.json'),
    JSON.stringify({ src: './src', schema: path.join(ROOT_DIR, 'schema', 'schema.graphql'), language: 'javascript', artifactDirectory: './generated' }),
  );
  const { stdout, stderr } = await promisify(execFile)(RELAY_COMPILER, [], { cwd: dir });
  return { dir, output: stdout + stderr, artifacts: (await readdir(path.join(dir, 'generated'))).sort() };
}

describe('third-party GraphQL clients', () => {
  let app: TestApp;
  let socket: Awaited<ReturnType<typeof listen>>;
  let key: string;
  let agent: { id: string };

  beforeAll(async () => {
    app = await startTestApp('pglite');
    socket = await listen(app.app, app.websockets);
    ({ key } = await app.newAccount());
    agent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Clientele', personality: { tone: 'warm' } })).body.data;
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
  });

  const apollo = (headers: Record<string, string>) =>
    new ApolloClient({
      link: new HttpLink({ uri: `${socket.url}/graphql`, headers }),
      cache: new InMemoryCache({ possibleTypes: { MessageStreamEvent: ['MessageDelta', 'MessageCompleted'] } }),
    });

  it('Apollo HttpLink: a query and a mutation', async () => {
    const client = apollo(bearer(key));
    const created = await client.mutate({
      mutation: gql`mutation Create($input: CreateAgentInput!) { createAgent(input: $input) { id name } }`,
      variables: { input: { name: 'Apollo made me' } },
    });
    const id = (created.data as any).createAgent.id;
    const read = await client.query({ query: gql`query One($id: ID!) { agent(id: $id) { id name } }`, variables: { id } });
    expect((read.data as any).agent).toMatchObject({ id, name: 'Apollo made me' });
  });

  it('Apollo HttpLink: an error reaches the client with the REST code', async () => {
    const client = apollo(bearer(key));
    const missing = await client
      .query({ query: gql`query Missing($id: ID!) { agent(id: $id) { id } }`, variables: { id: 'agt_01J00000000000000000000000' } })
      .then(
        () => undefined,
        (error: any) => error,
      );
    expect(missing.errors[0].extensions.code).toBe('AGENT_NOT_FOUND');
  });

  it('Apollo HttpLink: sendMessageStream as a multipart subscription (subscriptionSpec=1.0)', async () => {
    const client = apollo(bearer(key));
    const { values, error } = await collect(
      client.subscribe({
        query: gql(STREAM),
        variables: { agentId: agent.id, input: { text: 'I feel happy today', userId: 'apollo-multipart' } },
        fetchPolicy: 'no-cache',
      }),
    );
    expect(error).toBeUndefined();
    const events = values.map((v: any) => v.data.sendMessageStream);
    const deltas = events.filter((e) => e.__typename === 'MessageDelta').map((e) => e.delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(events.at(-1).__typename).toBe('MessageCompleted');
    expect(deltas.join('')).toBe(events.at(-1).message.response);
  });

  it('multipart subscriptions: the wire format, and a refusal as a plain GraphQL error', async () => {
    const headers = { ...bearer(key), 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec=1.0, application/json' };
    const res = await fetch(`${socket.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: STREAM, variables: { agentId: agent.id, input: { text: 'hello', userId: 'raw-multipart' } } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('multipart/mixed;boundary="graphql";subscriptionSpec="1.0"');
    const text = await res.text();
    expect(text.endsWith('\r\n--graphql--\r\n')).toBe(true);
    const parts = text.split('\r\n--graphql').slice(1, -1).map((p) => JSON.parse(p.slice(p.indexOf('\r\n\r\n') + 4)));
    expect(parts.at(-1).payload.data.sendMessageStream.__typename).toBe('MessageCompleted');

    const unknown = await fetch(`${socket.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: STREAM, variables: { agentId: 'agt_01J00000000000000000000000', input: { text: 'x', userId: 'y' } } }),
    });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).errors[0].extensions.code).toBe('AGENT_NOT_FOUND');
  });

  it('graphql-sse: sendMessageStream over server-sent events', async () => {
    const client = createSseClient({ url: `${socket.url}/graphql`, headers: bearer(key), retryAttempts: 0 });
    try {
      const events: any[] = [];
      for await (const result of client.iterate({
        query: STREAM,
        variables: { agentId: agent.id, input: { text: 'I feel happy today', userId: 'graphql-sse' } },
      })) {
        events.push((result.data as any).sendMessageStream);
      }
      const deltas = events.filter((e) => e.__typename === 'MessageDelta').map((e) => e.delta);
      expect(deltas.length).toBeGreaterThan(1);
      expect(events.at(-1).__typename).toBe('MessageCompleted');
      expect(deltas.join('')).toBe(events.at(-1).message.response);
    } finally {
      client.dispose();
    }
  });

  it('relay-compiler compiles an app’s operations against schema/schema.graphql; relay-runtime pages forward, backward and refetches a node', async () => {
    const { dir, output, artifacts } = await compileRelayFixture();
    try {
      expect(output).not.toMatch(/\[ERROR\]/);
      expect(artifacts).toEqual([
        'operationsAgentsPageQuery.graphql.js',
        'operationsNodeQuery.graphql.js',
        'operationsSendMutation.graphql.js',
        'operationsStreamSubscription.graphql.js',
        'operations_agent.graphql.js',
      ]);
      const artifact = async (name: string) =>
        ((await import(pathToFileURL(path.join(dir, 'generated', `${name}.graphql.js`)).href)) as { default: ConcreteRequest }).default;
      const pageQuery = await artifact('operationsAgentsPageQuery');
      const nodeQuery = await artifact('operationsNodeQuery');

      const { key: relayKey } = await app.newAccount('relay');
      for (const name of ['r1', 'r2', 'r3', 'r4', 'r5']) {
        expect((await app.http.post('/v1/agents').set(bearer(relayKey)).send({ name })).status).toBe(201);
      }
      const network = Network.create(async (params, variables) => {
        const res = await fetch(`${socket.url}/graphql`, {
          method: 'POST',
          headers: { ...bearer(relayKey), 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ query: params.text, variables }),
        });
        return res.json();
      });
      const environment = new Environment({ network, store: new Store(new RecordSource()) });
      const page = (variables: Record<string, unknown>) =>
        fetchQuery(environment, pageQuery, { first: null, after: null, last: null, before: null, ...variables }).toPromise() as Promise<any>;

      const forward: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 5; pages++) {
        const { agents } = await page({ first: 2, after });
        forward.push(...agents.edges.map((e: any) => e.node.id));
        if (!agents.pageInfo.hasNextPage) break;
        after = agents.pageInfo.endCursor;
      }
      expect(forward).toHaveLength(5);

      const backward: string[] = [];
      let before: string | null = null;
      for (let pages = 0; pages < 5; pages++) {
        const { agents } = await page({ last: 2, before });
        backward.unshift(...agents.edges.map((e: any) => e.node.id));
        if (!agents.pageInfo.hasPreviousPage) break;
        before = agents.pageInfo.startCursor;
      }
      expect(backward).toEqual(forward);

      const refetched = (await fetchQuery(environment, nodeQuery, { id: forward[2] }).toPromise()) as any;
      expect(refetched.node.__typename).toBe('Agent');
      const record = environment.getStore().getSource().get(forward[2]!);
      expect(record).toMatchObject({ __typename: 'Agent', id: forward[2], name: 'r3' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
