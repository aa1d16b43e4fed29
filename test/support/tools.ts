import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { newId } from '../../src/ids.js';
import { sealAnswer } from '../../src/services/answer-seal.js';
import { pluginById, type PluginId } from '../../src/services/plugins/catalog.js';
import type { TestApp } from './app.js';

/**
 * Plugins and custom tools for tests, written straight to the database (the plugin and tool API
 * is built elsewhere; this is the one place to switch to it). Agent.enabledPlugins is kept in
 * step with the AgentPlugin rows, as the API does.
 */

/** The server key the test apps open tool secrets with (pass as `secretKey` to startTestApp). */
export const TEST_SECRET_KEY = `test-server-key-${'k'.repeat(32)}`;

function defaultsOf(pluginId: PluginId): Record<string, unknown> {
  const properties = (pluginById(pluginId)!.configSchema.properties ?? {}) as Record<string, { default?: unknown }>;
  return Object.fromEntries(Object.entries(properties).filter(([, p]) => p.default !== undefined).map(([k, p]) => [k, p.default]));
}

export async function enablePlugin(app: TestApp, agentId: string, pluginId: PluginId, config: Record<string, unknown> = {}) {
  const prisma = app.db.prisma;
  const agent = await prisma.agent.findUniqueOrThrow({ where: { id: agentId } });
  const full = { ...defaultsOf(pluginId), ...config } as object;
  await prisma.agentPlugin.upsert({
    where: { agentId_pluginId: { agentId, pluginId } },
    create: { agentId, pluginId, accountId: agent.accountId, config: full },
    update: { config: full },
  });
  if (!agent.enabledPlugins.includes(pluginId)) {
    await prisma.agent.update({ where: { id: agentId }, data: { enabledPlugins: [...agent.enabledPlugins, pluginId] } });
  }
}

export async function setMaxToolSteps(app: TestApp, agentId: string, maxToolSteps: number) {
  await app.db.prisma.agent.update({ where: { id: agentId }, data: { maxToolSteps } });
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
  const agent = await app.db.prisma.agent.findUniqueOrThrow({ where: { id: agentId } });
  const id = newId('tol');
  await app.db.prisma.tool.create({
    data: {
      id,
      accountId: agent.accountId,
      agentId,
      name: spec.name,
      description: spec.description,
      parameters: (spec.parameters ?? { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] }) as object,
      url: spec.url,
      timeoutMs: spec.timeoutMs ?? 5_000,
    },
  });
  return id;
}

/** Gives the agent a tool-signing secret (sealed with TEST_SECRET_KEY, as the API stores it); returns it. */
export async function setToolSecret(app: TestApp, agentId: string): Promise<string> {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  await app.db.prisma.agent.update({
    where: { id: agentId },
    data: { toolSecret: sealAnswer(TEST_SECRET_KEY, `tool-secret:${agentId}`, secret) },
  });
  return secret;
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
