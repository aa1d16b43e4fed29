import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { PrismaClient } from '../../src/db/client.js';
import type { PluginId } from '../../src/services/plugins/catalog.js';
import { openToolSecret } from '../../src/services/tools/tool-secret.js';
import { bearer, type TestApp } from './app.js';

/**
 * Plugins and custom tools for tests, set up through the REST API with a key of the agent's own
 * account (agents:write), as a client would.
 */

const writers = new WeakMap<TestApp, Map<string, Promise<string>>>();

/** A key of the agent's account that may change its plugins and tools (one per app and account). */
async function writerFor(app: TestApp, agentId: string): Promise<string> {
  const { accountId } = await app.db.prisma.agent.findUniqueOrThrow({ where: { id: agentId }, select: { accountId: true } });
  let keys = writers.get(app);
  if (!keys) writers.set(app, (keys = new Map()));
  let key = keys.get(accountId);
  if (!key) keys.set(accountId, (key = app.keyWithScopes(accountId, ['agents:read', 'agents:write'])));
  return key;
}

async function call(app: TestApp, agentId: string, method: 'put' | 'post' | 'patch', path: string, body?: object) {
  const req = app.http[method](`/v1${path}`).set(bearer(await writerFor(app, agentId)));
  const res = await (body === undefined ? req : req.send(body));
  if (res.status >= 300) throw new Error(`${method.toUpperCase()} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

export async function enablePlugin(app: TestApp, agentId: string, pluginId: PluginId, config: Record<string, unknown> = {}) {
  await call(app, agentId, 'put', `/agents/${agentId}/plugins/${pluginId}`, { config });
}

export async function setMaxToolSteps(app: TestApp, agentId: string, maxToolSteps: number) {
  await call(app, agentId, 'patch', `/agents/${agentId}`, { maxToolSteps });
}

export type CustomToolSpec = {
  name: string;
  description: string;
  parameters?: Record<string, unknown>;
  url: string;
  timeoutMs?: number;
};

/** A custom tool (and the `http` plugin enabled). */
export async function addTool(app: TestApp, agentId: string, spec: CustomToolSpec): Promise<string> {
  await enablePlugin(app, agentId, 'http');
  const created = await call(app, agentId, 'post', `/agents/${agentId}/tools`, {
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
    timeoutMs: 5_000,
    ...spec,
  });
  return created.tool.id;
}

/** Gives the agent a new tool-signing secret (the rotate route); returns it. */
export async function setToolSecret(app: TestApp, agentId: string): Promise<string> {
  return (await call(app, agentId, 'post', `/agents/${agentId}/tools/secret`)).secret;
}

/** The agent's tool secret as stored, opened with `serverKey` (undefined when it cannot be). */
export async function storedToolSecret(prisma: PrismaClient, serverKey: string | undefined, agentId: string): Promise<string | undefined> {
  const agent = await prisma.agent.findUnique({ where: { id: agentId }, select: { toolSecret: true } });
  return openToolSecret(serverKey, agentId, agent?.toolSecret ?? null);
}

export type ReceivedCall = { path: string; headers: IncomingMessage['headers']; body: string; verified: unknown; verifyError?: string };

export type ToolReceiver = {
  url(path: string): string;
  calls: ReceivedCall[];
  /** The secret signatures are verified with (set after setToolSecret). */
  secret: string | undefined;
  close(): Promise<void>;
};

/**
 * A real HTTP tool on loopback. Every request's signature is checked with the standardwebhooks
 * library. Paths: /ok (answers {ok, echo: arguments}), /slow (answers after 3 s), /text
 * (text/plain), /big (100 KiB of JSON), /redirect (302 to /ok), /fail (500).
 */
export async function startToolReceiver(): Promise<ToolReceiver> {
  const state: ToolReceiver = { url: () => '', calls: [], secret: undefined, close: async () => {} };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const call: ReceivedCall = { path: req.url ?? '', headers: req.headers, body, verified: undefined };
    try {
      call.verified = new Webhook(state.secret ?? 'whsec_' + Buffer.from('none').toString('base64')).verify(body, {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      });
    } catch (error) {
      call.verifyError = (error as Error).message;
    }
    state.calls.push(call);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    switch (req.url) {
      case '/ok':
        return json(200, { ok: true, echo: (JSON.parse(body) as { arguments: unknown }).arguments });
      case '/slow': {
        const timer = setTimeout(() => json(200, { ok: 'late' }), 3_000);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case '/text':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('this is not json');
      case '/big':
        return json(200, { data: 'x'.repeat(100 * 1024) });
      case '/redirect':
        res.writeHead(302, { location: state.url('/ok') });
        return res.end();
      default:
        return json(500, { error: 'broken' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.url = (path) => `http://127.0.0.1:${port}${path}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
