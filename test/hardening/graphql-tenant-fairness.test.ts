// One account's expensive GraphQL reads must not make another account's requests fail. Account A
// sends many aliased three-level reads (agents → conversations → messages), each within the cost
// limit, all at once; account B's GET /v1/agents, sent meanwhile, still answers 200. Bounded: a
// fixed number of requests, each answered (A's may be refused, never hang).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { bearer, startTestApp, type TestApp } from '../support/app.js';

const AGENTS = 16;
const CONVERSATIONS_PER_AGENT = 5;
const MESSAGES_PER_CONVERSATION = 2;
const ATTACKERS = 40;
const VICTIM_REQUESTS = 10;

// `limit`, the spelling the cost limit once missed, so the same document ran before the fix.
const alias = (i: number) =>
  `a${i}: agents(limit: ${AGENTS}) { nodes { id conversations(limit: ${CONVERSATIONS_PER_AGENT}) { totalCount nodes { id messages(limit: ${MESSAGES_PER_CONVERSATION}) { totalCount nodes { id } } } } } }`;
const ATTACK = `{ ${[0, 1, 2].map(alias).join(' ')} }`;

describe('one account cannot starve another (postgres)', () => {
  let app: TestApp;
  let attacker: string;
  let victim: string;
  beforeAll(async () => {
    app = await startTestApp('postgres');
    const a = await app.newAccount('attacker');
    attacker = a.key;
    ({ key: victim } = await app.newAccount('victim'));
    await app.http.post('/v1/agents').set(bearer(victim)).send({ name: 'victim agent' });
    const agents = Array.from({ length: AGENTS }, (_, i) => ({
      id: newId('agt'), accountId: a.accountId, name: `a${i}`, personality: {}, metadata: {},
      modelName: 'orion-local', modelTemperature: 0.7, modelMaxTokens: 256,
    }));
    const conversations = agents.flatMap((agent) =>
      Array.from({ length: CONVERSATIONS_PER_AGENT }, (_, i) => ({ id: newId('cnv'), accountId: a.accountId, agentId: agent.id, userId: `u${i}` })),
    );
    const messages = conversations.flatMap((c) =>
      Array.from({ length: MESSAGES_PER_CONVERSATION }, () => ({
        id: newId('msg'), accountId: a.accountId, conversationId: c.id, agentId: c.agentId, userId: c.userId,
        role: 'user' as const, text: 'hi', status: 'completed' as const,
      })),
    );
    await app.db.prisma.agent.createMany({ data: agents });
    await app.db.prisma.conversation.createMany({ data: conversations });
    await app.db.prisma.message.createMany({ data: messages });
    // The send path keeps this count with each message it stores (lists read it, not count them).
    await app.db.prisma.conversation.updateMany({ where: { accountId: a.accountId }, data: { messageCount: MESSAGES_PER_CONVERSATION } });
  });
  afterAll(() => app?.close());

  it('the attack document fits the cost limit and is served in full', async () => {
    const res = await app.http.post('/graphql').set(bearer(attacker)).send({ query: ATTACK });
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    expect(res.body.data.a0.nodes).toHaveLength(AGENTS);
    expect(res.body.data.a0.nodes[0].conversations.totalCount).toBe(CONVERSATIONS_PER_AGENT);
    expect(res.body.data.a0.nodes[0].conversations.nodes[0].messages.totalCount).toBe(MESSAGES_PER_CONVERSATION);
  });

  it("B's GET /v1/agents answers 200 while A's reads are in flight", async () => {
    const attack = Promise.all(
      Array.from({ length: ATTACKERS }, () => app.http.post('/graphql').set(bearer(attacker)).send({ query: ATTACK })),
    );
    const victimAnswers = [];
    for (let i = 0; i < VICTIM_REQUESTS; i++) {
      victimAnswers.push(await app.http.get('/v1/agents').set(bearer(victim)));
    }
    const attackAnswers = await attack;
    expect(victimAnswers.map((res) => res.status)).toEqual(Array(VICTIM_REQUESTS).fill(200));
    expect(victimAnswers.at(-1)!.body.data.items).toHaveLength(1);
    // A's reads take turns; on a loaded machine some may wait past the pool's timeout, and those
    // are told to come back (503 with Retry-After), never failed otherwise.
    for (const res of attackAnswers) {
      if (res.status === 200) continue;
      expect([res.status, res.body.errors?.[0]?.extensions?.code, res.headers['retry-after']]).toEqual([503, 'SERVICE_UNAVAILABLE', '1']);
    }
  }, 120_000);
});
