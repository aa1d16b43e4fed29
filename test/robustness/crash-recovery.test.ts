// `kill -9` while sends wait on a slow model, then a restart on the same embedded database: the
// sends cut off by the kill are marked failed, the conversation shows them so, and the quota
// they took is given back, whichever protocol they came by. (With PostgreSQL other instances may
// still be answering, so turns are only recovered once older than any answer could take; the
// embedded database belongs to one process, so the next start recovers them at once.)
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { OPS } from '../support/operations.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import {
  PROCESS_ADMIN_KEY,
  api,
  killAllServers,
  makeTempDir,
  removeDir,
  serverEnv,
  startServer,
} from '../support/server-process.js';
import { eventually, postSse } from '../support/sse.js';

afterEach(killAllServers);

describe('kill -9 during slow sends, then a restart (pglite)', () => {
  let dataDir: string | undefined;
  let provider: ProviderServer | undefined;

  afterAll(async () => {
    await killAllServers();
    await provider?.close();
    await removeDir(dataDir);
  });

  it('marks the cut-off turns failed, shows them in the conversation and gives their quota back', { timeout: 60_000 }, async () => {
    dataDir = await makeTempDir('orion-crash-recovery-');
    provider = await startOpenAIServer();
    const env = {
      ORION_DATA_DIR: dataDir,
      ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
      OPENAI_BASE_URL: provider.baseUrl,
      // Far longer than the test: the sends are still waiting when the process dies.
      MODEL_TIMEOUT_MS: '120000',
      METRICS_PORT: '',
      METRICS_TOKEN: '',
      SHUTDOWN_TIMEOUT_MS: '',
    };
    const first = await startServer(await serverEnv(env));
    const account = await api(first.url, PROCESS_ADMIN_KEY, 'POST', '/v1/accounts', {
      name: 'Crash',
      tier: 'enterprise',
      rateLimitPerMinute: 1_000_000,
      monthlyMessageQuota: 100,
    });
    expect(account.status).toBe(201);
    const key: string = account.body.data.secret;
    const accountId: string = account.body.data.account.id;
    const usage = async (url: string) =>
      (await api(url, PROCESS_ADMIN_KEY, 'GET', `/v1/accounts/${accountId}`)).body.data.messageUsage.used;
    const agent = await api(first.url, key, 'POST', '/v1/agents', { name: 'Slow', model: { provider: 'openai', name: 'gpt-test' } });
    const agentId: string = agent.body.data.id;

    // One answered send, which must stay as it is.
    const answered = await api(first.url, key, 'POST', `/v1/agents/${agentId}/messages`, { text: 'answered', userId: 'u' });
    expect(answered.status).toBe(201);
    const conversationId: string = answered.body.data.conversationId;

    // Then four sends, one per protocol, that the model never answers.
    provider.mode = 'slow';
    const before = provider.requests.length;
    const route = `${first.url}/v1/agents/${agentId}/messages`;
    const input = (text: string) => ({ text, userId: 'u' });
    const cutOff = [
      api(first.url, key, 'POST', `/v1/agents/${agentId}/messages`, input('rest')),
      postSse(route, { Authorization: `Bearer ${key}` }, { ...input('rest stream'), stream: true }),
      api(first.url, key, 'POST', '/graphql', { query: OPS.sendMessage, variables: { agentId, input: input('graphql') } }),
      postSse(`${first.url}/graphql`, { Authorization: `Bearer ${key}`, accept: 'text/event-stream' }, {
        query: OPS.sendMessageStream,
        variables: { agentId, input: input('graphql stream') },
      }),
    ].map((p) => p.then(() => 'answered', () => 'cut off'));
    // The model was asked four times: each turn is stored (pending) and its message taken.
    await eventually(async () => provider!.requests.length - before === 4);
    expect(await usage(first.url)).toBe(5);

    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await Promise.all(cutOff)).toEqual(['cut off', 'cut off', 'cut off', 'cut off']);

    const second = await startServer(await serverEnv(env));
    const turns = await eventually(async () => {
      const res = await api(second.url, key, 'GET', `/v1/conversations/${conversationId}/messages?limit=100`);
      const items: any[] = res.body.data.items;
      return items.some((m) => m.status === 'pending') ? undefined : items;
    });
    const summary = turns
      .map((m) => [m.role, m.text, m.status, m.error?.code ?? null])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    expect(summary).toEqual(
      [
        ['user', 'answered', 'completed', null],
        ['agent', answered.body.data.response, 'completed', null],
        ['user', 'graphql', 'failed', 'AGENT_UNAVAILABLE'],
        ['user', 'graphql stream', 'failed', 'AGENT_UNAVAILABLE'],
        ['user', 'rest', 'failed', 'AGENT_UNAVAILABLE'],
        ['user', 'rest stream', 'failed', 'AGENT_UNAVAILABLE'],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    // Only the answered send still counts.
    expect(await usage(second.url)).toBe(1);
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
