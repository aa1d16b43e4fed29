// `kill -9` between changes and their webhook deliveries, then a restart on the same storage:
// every change the server acknowledged has its event, and every event arrives (at least once,
// verified by the standardwebhooks library), including those whose attempt the kill cut short.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DataSource } from '../../src/db/client.js';
import { dropPostgresSchema, freshPostgresUrl, type Storage } from '../support/app.js';
import { PROCESS_ADMIN_KEY, api, killAllServers, makeTempDir, removeDir, serverEnv, startServer } from '../support/server-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhooks.js';

const SECRET_KEY = `kill9-webhooks-server-key-${'w'.repeat(32)}`;
const LOAD_MS = 1_500;
const LOOPS = 4;

afterEach(killAllServers);

describe.each<Storage>(['pglite', 'postgres'])('kill -9 before webhook deliveries, then a restart (%s)', (storage) => {
  let dataDir: string | undefined;
  let schema: string | undefined;
  let receiver: WebhookReceiver | undefined;

  afterAll(async () => {
    await killAllServers();
    await receiver?.close();
    await removeDir(dataDir);
    if (schema) await dropPostgresSchema(schema);
  });

  it('delivers the event of every change it acknowledged', { timeout: 120_000 }, async () => {
    let source: DataSource;
    let storageEnv: Record<string, string>;
    if (storage === 'pglite') {
      dataDir = await makeTempDir('orion-kill9-webhooks-');
      source = { kind: 'pglite', dataDir };
      storageEnv = { ORION_DATA_DIR: dataDir };
    } else {
      const fresh = freshPostgresUrl();
      schema = fresh.schema;
      source = { kind: 'postgres', url: fresh.url };
      storageEnv = { DATABASE_URL: fresh.url };
    }
    const env = {
      ...storageEnv,
      ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
      ORION_SECRET_KEY: SECRET_KEY,
      ORION_ALLOW_PRIVATE_NETWORKS: 'true',
      ORION_WEBHOOK_RETRY_SCHEDULE: Array(40).fill('1s').join(','),
      ORION_WEBHOOK_TIMEOUT_MS: '1500',
      ORION_WEBHOOK_LEASE_MS: '2500',
      METRICS_PORT: '',
      METRICS_TOKEN: '',
      SHUTDOWN_TIMEOUT_MS: '',
    };
    // Down for the first part: it answers 503, slowly, so attempts are in flight at the kill.
    receiver = await startWebhookReceiver({ status: 503, delayMs: 300 });

    const first = await startServer(await serverEnv(env));
    const account = await api(first.url, PROCESS_ADMIN_KEY, 'POST', '/v1/accounts', {
      name: 'Hooked under load',
      tier: 'enterprise',
      rateLimitPerMinute: 1_000_000,
      monthlyMessageQuota: 1_000_000,
    });
    expect(account.status).toBe(201);
    const key: string = account.body.data.secret;
    const accountId: string = account.body.data.account.id;
    const endpoint = await api(first.url, key, 'POST', '/v1/webhooks', { url: receiver.url, events: ['agent.created'] });
    expect(endpoint.status).toBe(201);
    receiver.setSecrets([endpoint.body.data.secret]);

    const acked: string[] = [];
    let unanswered = 0;
    const stop = { now: false };
    const loop = async (n: number) => {
      for (let round = 0; !stop.now; round++) {
        try {
          const res = await api(first.url, key, 'POST', '/v1/agents', { name: `Loop ${n} agent ${round}` });
          expect(res.status).toBe(201);
          acked.push(res.body.data.id);
        } catch {
          unanswered++;
          return;
        }
      }
    };
    const loops = Array.from({ length: LOOPS }, (_, n) => loop(n));
    await new Promise((r) => setTimeout(r, LOAD_MS));
    // Attempts are under way (the receiver is answering 503): the kill cuts some short.
    await receiver.waitFor(1);
    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    stop.now = true;
    await Promise.all(loops);
    expect(acked.length).toBeGreaterThan(0);
    expect(receiver.received.every((d) => d.status === 503 && d.verified)).toBe(true);
    const failedBeforeKill = receiver.received.length;

    receiver.answer({ status: 200, delayMs: 0 });
    const second = await startServer(await serverEnv(env));
    const delivered = new Map<string, string>();
    const deliveredAgents = () => {
      for (const d of receiver!.received) if (d.status === 200) delivered.set(d.payload.data.id, d.id);
      return acked.every((id) => delivered.has(id));
    };
    const deadline = Date.now() + 60_000;
    while (!deliveredAgents() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(acked.filter((id) => !delivered.has(id))).toEqual([]);
    // A change that committed without its answer (cut off by the kill) may have an event too: it is real.
    for (const agentId of delivered.keys()) {
      expect((await api(second.url, key, 'GET', `/v1/agents/${agentId}`)).status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const after = await openDatabase(source);
    try {
      const events = await after.prisma.webhookEvent.count({ where: { accountId } });
      const statuses = await after.prisma.webhookDelivery.groupBy({ by: ['status'], where: { accountId }, _count: true });
      expect(statuses).toEqual([{ status: 'succeeded', _count: events }]);
      // Every event succeeded once at the receiver (none had succeeded before the kill).
      const succeeded = receiver.received.filter((d) => d.status === 200);
      expect(new Set(succeeded.map((d) => d.id)).size).toBe(events);
      expect(succeeded).toHaveLength(events);
      expect(succeeded.every((d) => d.verified)).toBe(true);
      console.info(
        `[kill -9 webhooks, ${storage}] ${acked.length} agents acknowledged (${unanswered} requests cut off), ` +
          `${events} events, ${failedBeforeKill} failed attempts before the kill, all delivered after the restart`,
      );
    } finally {
      await after.close();
    }
  });
});
