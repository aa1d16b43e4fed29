import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../../src/db/generated/prisma/client.js';
import { newId } from '../../src/ids.js';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';
import { expectedAnalytics, expectedMetrics, type Interval, type SeedConversation, type SeedMessage } from './analytics-expected.js';

/**
 * Conversation analytics (GET /v1/agents/{id}/analytics, GET /v1/analytics, Agent.analytics,
 * viewer.analytics) against values computed in the test from the seeded rows.
 */

type Answer = { status: number; code?: string; details?: any; data?: any };

const restAnswer = (res: { status: number; body: any }): Answer =>
  res.body.success ? { status: res.status, data: res.body.data } : { status: res.status, code: res.body.error.code, details: res.body.error.details };

function gqlAnswer(res: { status: number; body: any }, path: string): Answer {
  const error = res.body.errors?.[0];
  if (error) return { status: res.status, code: error.extensions.code, details: error.extensions.details };
  return { status: res.status, data: path.split('.').reduce((value, key) => value?.[key], res.body.data) };
}

/** A small deterministic random source (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const at = (iso: string) => new Date(iso);

/** Windows the turns fall in: both 2026 daylight-saving changes of Europe/Berlin and of America/New_York, and a plain week. */
const WINDOWS: [string, string][] = [
  ['2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z'], // New York springs forward 2026-03-08 07:00Z
  ['2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z'], // Berlin springs forward 2026-03-29 01:00Z
  ['2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z'], // Berlin falls back 2026-10-25 01:00Z
  ['2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z'], // New York falls back 2026-11-01 06:00Z
  ['2026-11-09T00:00:00Z', '2026-11-16T00:00:00Z'],
];

type Seed = { messages: SeedMessage[]; conversations: SeedConversation[] };

/** Turns of several users with several agents: completed, failed and pending, rated, with tool calls. */
function seedRows(accountId: string, agentIds: string[], users: string[], turns: number, seed: number): Seed {
  const next = random(seed);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  const messages: SeedMessage[] = [];
  const conversations = new Map<string, SeedConversation>();
  for (let i = 0; i < turns; i++) {
    const agentId = pick(agentIds);
    const userId = pick(users);
    const [a, b] = pick(WINDOWS).map((w) => at(w).getTime());
    // Whole seconds, and some turns exactly on the hour (bucket edges).
    const t = next() < 0.1 ? Math.floor((a! + next() * (b! - a!)) / 3_600_000) * 3_600_000 : Math.floor((a! + next() * (b! - a!)) / 1000) * 1000;
    const key = `${agentId}/${userId}`;
    let conversation = conversations.get(key);
    if (!conversation) {
      // Some conversations started long before the windows.
      const started = next() < 0.2 ? new Date(at('2026-01-15T00:00:00Z').getTime() + i * 1000) : new Date(t - 5_000);
      conversation = { id: newId('cnv'), accountId, agentId, userId, createdAt: started };
      conversations.set(key, conversation);
    }
    const roll = next();
    const status = roll < 0.15 ? 'failed' : roll < 0.22 ? 'pending' : 'completed';
    const base = { accountId, agentId, conversationId: conversation.id, userId, toolCalls: null, feedbackRating: null } as const;
    messages.push({
      ...base,
      id: newId('msg'),
      role: 'user',
      status,
      createdAt: new Date(t),
      inputTokens: status === 'completed' ? 10 + Math.floor(next() * 500) : 0,
      outputTokens: status === 'completed' ? 5 + Math.floor(next() * 300) : 0,
      latencyMs: status === 'completed' ? 50 + Math.floor(next() * 3000) : null,
    });
    if (status !== 'completed') continue;
    const tools = next();
    const rating = next();
    messages.push({
      ...base,
      id: newId('msg'),
      role: 'agent',
      status: 'completed',
      createdAt: new Date(t + 1_000),
      inputTokens: 0,
      outputTokens: 5 + Math.floor(next() * 300),
      latencyMs: 50 + Math.floor(next() * 3000),
      toolCalls: tools < 0.6 ? null : Array.from({ length: 1 + Math.floor(next() * 3) }, (_, k) => ({ id: `call_${k}`, tool: 'time.now' })),
      feedbackRating: rating < 0.3 ? 'like' : rating < 0.45 ? 'dislike' : null,
    });
  }
  return { messages, conversations: [...conversations.values()] };
}

async function insert(app: TestApp, seed: Seed) {
  await app.db.prisma.conversation.createMany({
    data: seed.conversations.map((c) => ({ ...c, messageCount: 0, lastMessageAt: null })),
  });
  await app.db.prisma.message.createMany({
    data: seed.messages.map((m) => ({
      id: m.id,
      accountId: m.accountId,
      agentId: m.agentId,
      conversationId: m.conversationId,
      userId: m.userId,
      role: m.role,
      status: m.status,
      text: m.role === 'user' ? 'How do I reset my password?' : 'Open settings, then security.',
      inputTokens: m.inputTokens,
      outputTokens: m.outputTokens,
      latencyMs: m.latencyMs,
      errorCode: m.status === 'failed' ? 'MODEL_ERROR' : null,
      model: m.status === 'completed' ? 'local' : null,
      toolCalls: (m.toolCalls ?? undefined) as Prisma.InputJsonValue | undefined,
      feedbackRating: m.feedbackRating,
      feedbackAt: m.feedbackRating ? m.createdAt : null,
      createdAt: m.createdAt,
    })),
  });
}

type Query = { from?: string; to?: string; interval?: string; timeZone?: string };

describe.each(STORAGES)('conversation analytics (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let accountId: string;
  let otherKey: string;
  let agentX: string;
  let agentY: string;
  let agentZ: string;
  let mine: Seed;
  let theirs: Seed;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key, accountId } = await app.newAccount('Analytics'));
    const other = await app.newAccount('Other');
    otherKey = other.key;
    const create = async (k: string, name: string) => (await app.http.post('/v1/agents').set(bearer(k)).send({ name }).expect(201)).body.data.id as string;
    agentX = await create(key, 'Support');
    agentY = await create(key, 'Sales');
    agentZ = await create(otherKey, 'Theirs');
    mine = seedRows(accountId, [agentX, agentX, agentY], ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'], 400, 18);
    theirs = seedRows(other.accountId, [agentZ], ['u1', 'u2', 'v1'], 150, 81);
    await insert(app, mine);
    await insert(app, theirs);
  });
  afterAll(() => app?.close());

  const search = (q: Query) => {
    const params = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined) as [string, string][]).toString();
    return params ? `?${params}` : '';
  };
  const rest = {
    agent: (agentId: string, q: Query = {}, k = key) => app.http.get(`/v1/agents/${agentId}/analytics${search(q)}`).set(bearer(k)).then(restAnswer),
    account: (q: Query = {}, k = key) => app.http.get(`/v1/analytics${search(q)}`).set(bearer(k)).then(restAnswer),
  };
  const gql = {
    agent: (agentId: string, q: Query = {}, k = key) =>
      graphql(app, k, OPS.getAgentAnalytics, { agentId, ...q }).then((r) => gqlAnswer(r, 'agent.analytics')),
    account: (q: Query = {}, k = key) => graphql(app, k, OPS.getAccountAnalytics, q).then((r) => gqlAnswer(r, 'viewer.analytics')),
  };

  const ofAgent = (seed: Seed, agentId: string): Seed => ({
    messages: seed.messages.filter((m) => m.agentId === agentId),
    conversations: seed.conversations.filter((c) => c.agentId === agentId),
  });

  function expectedFor(seed: Seed, q: Required<Query>) {
    return expectedAnalytics(seed.messages, seed.conversations, {
      from: at(q.from),
      to: at(q.to),
      interval: q.interval as Interval,
      timeZone: q.timeZone,
    });
  }

  /** Both protocols answer the same, and what the test computed. */
  async function expectAgent(agentId: string, q: Required<Query>) {
    const byRest = await rest.agent(agentId, q);
    const byGql = await gql.agent(agentId, q);
    expect(byRest.status, JSON.stringify(byRest)).toBe(200);
    expect(byGql).toEqual(byRest);
    expect(byRest.data).toEqual({ agentId, ...expectedFor(ofAgent(mine, agentId), q) });
    return byRest.data;
  }

  it('one agent, by day in UTC: every metric, every bucket, empty ones included', async () => {
    const data = await expectAgent(agentX, { from: '2026-11-08T00:00:00Z', to: '2026-11-17T00:00:00Z', interval: 'day', timeZone: 'UTC' });
    expect(data.series).toHaveLength(9);
    expect(data.series[0]).toMatchObject({ messages: 0, turns: 0, errorRate: null, satisfaction: null, latencyMs: { p50: null, p95: null } });
    expect(data.totals.failedTurns).toBeGreaterThan(0);
    expect(data.totals.ratedTurns).toBeGreaterThan(0);
    expect(data.totals.toolCalls).toBeGreaterThan(0);
  });

  it('pending turns are messages but not turns', async () => {
    const q = { from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z', interval: 'week', timeZone: 'UTC' };
    const data = await expectAgent(agentY, q);
    const userRows = ofAgent(mine, agentY).messages.filter((m) => m.role === 'user');
    const pending = userRows.filter((m) => m.status === 'pending').length;
    expect(pending).toBeGreaterThan(0);
    expect(data.totals.turns).toBe(userRows.length - pending);
  });

  it('a range that cuts buckets counts only what is within it; totals are not sums of buckets for users and percentiles', async () => {
    const q = { from: '2026-11-09T13:17:00Z', to: '2026-11-12T08:05:00Z', interval: 'day', timeZone: 'UTC' };
    const data = await expectAgent(agentX, q);
    expect(data.series[0].start).toBe('2026-11-09T00:00:00.000Z');
    expect(data.series.at(-1).end).toBe('2026-11-13T00:00:00.000Z');
    const sum = (field: string) => data.series.reduce((s: number, b: any) => s + b[field], 0);
    expect(sum('messages')).toBe(data.totals.messages);
    expect(sum('activeUsers')).toBeGreaterThan(data.totals.activeUsers);
  });

  it('Europe/Berlin by day across the fall-back: the day of the change is 25 hours long', async () => {
    const data = await expectAgent(agentX, { from: '2026-10-24T12:00:00Z', to: '2026-10-26T12:00:00Z', interval: 'day', timeZone: 'Europe/Berlin' });
    expect(data.series.map((b: any) => [b.start, b.end])).toEqual([
      ['2026-10-23T22:00:00.000Z', '2026-10-24T22:00:00.000Z'],
      ['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z'],
      ['2026-10-25T23:00:00.000Z', '2026-10-26T23:00:00.000Z'],
    ]);
  });

  it('Europe/Berlin by hour across both changes: the repeated hour is two buckets, the skipped one none', async () => {
    const fall = await expectAgent(agentX, { from: '2026-10-24T20:00:00Z', to: '2026-10-25T05:00:00Z', interval: 'hour', timeZone: 'Europe/Berlin' });
    expect(fall.series).toHaveLength(9);
    const berlinHour = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
    expect(fall.series.map((b: any) => berlinHour(b.start))).toEqual(['22', '23', '00', '01', '02', '02', '03', '04', '05']);
    const spring = await expectAgent(agentX, { from: '2026-03-28T22:00:00Z', to: '2026-03-29T04:00:00Z', interval: 'hour', timeZone: 'Europe/Berlin' });
    expect(spring.series.map((b: any) => berlinHour(b.start))).toEqual(['23', '00', '01', '03', '04', '05']);
    expect(spring.series.every((b: any) => new Date(b.end).getTime() - new Date(b.start).getTime() === 3_600_000)).toBe(true);
  });

  it('America/New_York by day and by week across its changes, and Asia/Kolkata (half-hour offset) by hour', async () => {
    const spring = await expectAgent(agentX, { from: '2026-03-07T00:00:00Z', to: '2026-03-10T00:00:00Z', interval: 'day', timeZone: 'America/New_York' });
    expect(spring.series.map((b: any) => (new Date(b.end).getTime() - new Date(b.start).getTime()) / 3_600_000)).toEqual([24, 24, 23, 24]);
    const weeks = await expectAgent(agentY, { from: '2026-10-20T00:00:00Z', to: '2026-11-16T00:00:00Z', interval: 'week', timeZone: 'America/New_York' });
    // Weeks start on Monday, local midnight; the one holding the fall-back is 169 hours long.
    expect(weeks.series.map((b: any) => b.start)).toEqual([
      '2026-10-19T04:00:00.000Z',
      '2026-10-26T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
      '2026-11-09T05:00:00.000Z',
    ]);
    await expectAgent(agentY, { from: '2026-10-31T00:00:00Z', to: '2026-11-02T00:00:00Z', interval: 'hour', timeZone: 'Asia/Kolkata' });
  });

  it('Australia/Lord_Howe by hour (its clock moves by 30 minutes): every message in a bucket, buckets in order and apart', async () => {
    const lh = await app.newAccount('Lord Howe');
    const agentId = (await app.http.post('/v1/agents').set(bearer(lh.key)).send({ name: 'Island' }).expect(201)).body.data.id as string;
    const conversationId = newId('cnv');
    await app.db.prisma.conversation.create({ data: { id: conversationId, accountId: lh.accountId, agentId, userId: 'islander' } });
    // A message every 10 minutes around both changes of 2026: back to +10:30 on 5 April (02:00
    // local becomes 01:30), forward to +11 on 4 October (02:00 becomes 02:30).
    const around = (from: string) => Array.from({ length: 48 }, (_, i) => new Date(at(from).getTime() + i * 600_000));
    const times = [...around('2026-04-04T12:00:00Z'), ...around('2026-10-03T12:00:00Z')];
    await app.db.prisma.message.createMany({
      data: times.map((createdAt) => ({
        id: newId('msg'),
        accountId: lh.accountId,
        agentId,
        conversationId,
        userId: 'islander',
        role: 'user' as const,
        status: 'completed' as const,
        text: 'Ahoy',
        createdAt,
      })),
    });
    for (const from of ['2026-04-04T12:00:00Z', '2026-10-03T12:00:00Z']) {
      const to = new Date(at(from).getTime() + 8 * 3_600_000).toISOString();
      const q = { from, to, interval: 'hour', timeZone: 'Australia/Lord_Howe' };
      const byRest = await rest.agent(agentId, q, lh.key);
      expect(byRest.status).toBe(200);
      expect(await gql.agent(agentId, q, lh.key)).toEqual(byRest);
      const { series, totals } = byRest.data;
      expect(totals.messages).toBe(48);
      expect(series.reduce((sum: number, b: any) => sum + b.messages, 0)).toBe(48);
      // Each message counted in the bucket whose [start, end) holds it.
      for (const b of series) {
        const inside = times.filter((t) => t >= at(b.start) && t < at(b.end)).length;
        expect(b.messages, JSON.stringify(b)).toBe(inside);
      }
      series.slice(1).forEach((b: any, i: number) => expect(at(series[i].end).getTime()).toBe(at(b.start).getTime()));
    }
  });

  it('the account: totals, series and each of its agents with activity, busiest first; never another account’s', async () => {
    const q = { from: '2026-03-01T00:00:00Z', to: '2026-11-20T00:00:00Z', interval: 'week', timeZone: 'Europe/Berlin' };
    const byRest = await rest.account(q);
    const byGql = await gql.account(q);
    expect(byRest.status, JSON.stringify(byRest)).toBe(200);
    expect(byGql).toEqual(byRest);
    const inRange = <T extends { createdAt: Date }>(rows: T[]) => rows.filter((r) => r.createdAt >= at(q.from) && r.createdAt < at(q.to));
    const agents = [agentX, agentY]
      .map((agentId) => {
        const s = ofAgent(mine, agentId);
        return { agentId, name: agentId === agentX ? 'Support' : 'Sales', totals: expectedMetrics(inRange(s.messages), inRange(s.conversations)) };
      })
      .sort((a, b) => b.totals.messages - a.totals.messages);
    expect(byRest.data).toEqual({ ...expectedFor(mine, q), agents });
    expect(JSON.stringify(byRest.data)).not.toContain(agentZ);

    const their = await rest.account(q, otherKey);
    expect(their.data).toEqual({
      ...expectedFor(theirs, q),
      agents: [{ agentId: agentZ, name: 'Theirs', totals: expectedMetrics(inRange(theirs.messages), inRange(theirs.conversations)) }],
    });
  });

  it('an account without activity: zeros, no agents', async () => {
    const { key: empty } = await app.newAccount('Empty');
    const data = (await rest.account({ from: '2026-11-01T00:00:00Z', to: '2026-11-03T00:00:00Z' }, empty)).data;
    expect(data.agents).toEqual([]);
    expect(data.series).toHaveLength(2);
    expect(data.totals).toEqual(expectedMetrics([], []));
  });

  it('defaults: the last 7 days to now, by day, in UTC', async () => {
    const before = Date.now();
    const data = (await rest.agent(agentX)).data;
    const to = new Date(data.to).getTime();
    expect(to).toBeGreaterThanOrEqual(before - 1000);
    expect(to - new Date(data.from).getTime()).toBe(7 * 86_400_000);
    expect([data.interval, data.timeZone]).toEqual(['day', 'UTC']);
    expect(data.series.length).toBeGreaterThanOrEqual(7);
    expect(data.series.length).toBeLessThanOrEqual(8);
    const gqlData = (await gql.agent(agentX)).data;
    expect([gqlData.interval, gqlData.timeZone, gqlData.series.length]).toEqual(['day', 'UTC', data.series.length]);
  });

  it('a zone is answered in its canonical spelling', async () => {
    const data = (await rest.account({ from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z', timeZone: 'europe/berlin' })).data;
    expect(data.timeZone).toBe('Europe/Berlin');
  });

  it('isolation: another account’s agent, or none, is 404 AGENT_NOT_FOUND in both protocols', async () => {
    for (const agentId of [agentZ, `agt_${'0'.repeat(26)}`, 'nonsense']) {
      const byRest = await rest.agent(agentId);
      expect([byRest.status, byRest.code]).toEqual([404, 'AGENT_NOT_FOUND']);
      expect(await gql.agent(agentId)).toEqual(byRest);
    }
    const byRest = await rest.agent(agentX, {}, otherKey);
    expect([byRest.status, byRest.code]).toEqual([404, 'AGENT_NOT_FOUND']);
  });

  it('scopes: without conversations:read both routes and both fields are 403', async () => {
    const noRead = await app.keyWithScopes(accountId, ['agents:read', 'agents:write', 'messages:write']);
    for (const answer of [await rest.agent(agentX, {}, noRead), await gql.agent(agentX, {}, noRead), await rest.account({}, noRead), await gql.account({}, noRead)]) {
      expect([answer.status, answer.code, answer.details.requiredScope]).toEqual([403, 'FORBIDDEN', 'conversations:read']);
    }
    const readOnly = await app.keyWithScopes(accountId, ['conversations:read']);
    expect((await rest.account({}, readOnly)).status).toBe(200);
    // The agent's analytics are reached through the agent: agents:read as well.
    const agentRead = await rest.agent(agentX, {}, readOnly);
    expect([agentRead.status, agentRead.details.requiredScope]).toEqual([403, 'agents:read']);
    const both = await app.keyWithScopes(accountId, ['conversations:read', 'agents:read']);
    expect((await rest.agent(agentX, {}, both)).status).toBe(200);
  });

  const INVALID: [string, Query, string, string][] = [
    ['an unknown interval', { interval: 'minute' }, 'interval', 'must be one of: day, hour, week'],
    ['an unknown zone', { timeZone: 'Mars/Olympus_Mons' }, 'timeZone', 'must be an IANA time zone, e.g. Europe/Berlin'],
    ['an offset for a zone', { timeZone: '+05:00' }, 'timeZone', 'must be an IANA time zone, e.g. Europe/Berlin'],
    ['an empty zone', { timeZone: '' }, 'timeZone', 'must be an IANA time zone, e.g. Europe/Berlin'],
    ['to before from', { from: '2026-11-10T00:00:00Z', to: '2026-11-09T00:00:00Z' }, 'to', 'must be after from'],
    ['to equal to from', { from: '2026-11-10T00:00:00Z', to: '2026-11-10T00:00:00Z' }, 'to', 'must be after from'],
    ['a range over 366 days', { from: '2025-01-01T00:00:00Z', to: '2026-01-03T00:00:00Z' }, 'from', 'must be at most 366 days before to'],
    [
      'too many buckets',
      { from: '2026-01-01T00:00:00Z', to: '2026-02-12T00:00:00Z', interval: 'hour' },
      'interval',
      'gives more than 1000 buckets over this range: choose a longer interval or a shorter range',
    ],
    ['a date that does not exist', { from: '2026-02-30T00:00:00Z' }, 'from', 'must be an ISO-8601 date-time string of a real date, e.g. 2030-01-31T12:00:00Z'],
    ['a word for a date', { to: 'yesterday' }, 'to', 'must be an ISO-8601 date-time string of a real date, e.g. 2030-01-31T12:00:00Z'],
  ];

  it.each(INVALID)('400 for %s, the same in both protocols and on both routes', async (_name, q, field, message) => {
    for (const [byRest, byGql] of [
      [await rest.agent(agentX, q), await gql.agent(agentX, q)],
      [await rest.account(q), await gql.account(q)],
    ]) {
      expect([byRest!.status, byRest!.code]).toEqual([400, 'INVALID_REQUEST']);
      expect(byRest!.details.fields).toEqual([{ field, message }]);
      expect(byGql).toEqual(byRest);
    }
  });

  it('400 for a query parameter it does not know', async () => {
    const res = await app.http.get('/v1/analytics?range=7d').set(bearer(key));
    expect([res.status, res.body.error.code, res.body.error.details.fields]).toEqual([
      400,
      'INVALID_REQUEST',
      [{ field: 'range', message: 'is not a known query parameter' }],
    ]);
  });

  it('exactly 1000 hourly buckets are allowed, and a year by day', async () => {
    expect((await rest.agent(agentX, { from: '2026-01-01T00:00:00Z', to: '2026-02-11T16:00:00Z', interval: 'hour' })).data.series).toHaveLength(1000);
    expect((await rest.account({ from: '2025-11-20T00:00:00Z', to: '2026-11-20T00:00:00Z' })).data.series).toHaveLength(365);
  });
});
