import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';
import { SqlCounter } from '../support/sql-counter.js';
import { enablePlugin } from '../support/tools.js';
import { PROTOCOLS, eventsOf, newAgent, onlyEvent, restGet, restMessages, send, subscribe } from './event-support.js';

/**
 * Each event type of conversations, messages, the quota and characters, fired from REST and from
 * GraphQL: recorded in the change's transaction with `data` exactly what REST returns for the
 * resource (after the change; for a delete, just before it), delivered to the endpoints that
 * subscribe to it and to no other; nothing recorded when the change fails or is rolled back.
 */
/** The events a send may cause. */
const TURN_EVENTS = ['conversation.created', 'message.completed', 'message.failed', 'quota.threshold'];

describe.each(STORAGES)('webhook events (%s)', (storage) => {
  const sql = new SqlCounter();
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(storage, { wrapAdapter: sql.wrap });
  });
  afterAll(() => app?.close());

  /** A new account subscribed to `events` (one endpoint). */
  async function subscribed(events: string[], limits: { monthlyMessageQuota?: number } = {}) {
    const { accountId, key } = await app.newAccount('Hooked', limits);
    const endpointId = await subscribe(app, accountId, events);
    return { accountId, key, endpointId };
  }

  describe('conversation.created', () => {
    for (const protocol of PROTOCOLS) {
      it(`${protocol}: the first send creates it; data is the conversation as REST returns it`, async () => {
        const { accountId, key, endpointId } = await subscribed(['conversation.created']);
        const agentId = await newAgent(app, key);
        const sent = await send(app, protocol, key, agentId, { text: 'Hello', userId: 'ada' });
        const data = await onlyEvent(app, accountId, 'conversation.created', [endpointId]);
        expect(data).toEqual(await restGet(app, key, `/conversations/${sent.data.conversationId}`));
        expect(data).toMatchObject({ agentId, userId: 'ada', messageCount: 2 });
        // Later turns of the same conversation create nothing.
        await send(app, protocol, key, agentId, { text: 'Again', userId: 'ada' });
        await send(app, protocol, key, agentId, { text: 'Again', userId: 'ada', conversationId: sent.data.conversationId });
        expect(await eventsOf(app, accountId)).toHaveLength(1);
      });
    }

    it('a send refused (bad input, unknown agent or conversation, quota used up) records nothing', async () => {
      const { accountId, key } = await subscribed(TURN_EVENTS, { monthlyMessageQuota: 1 });
      const agentId = await newAgent(app, key);
      for (const protocol of PROTOCOLS) {
        expect(await send(app, protocol, key, agentId, { text: ' ', userId: 'ada' })).toEqual({ code: 'INVALID_REQUEST' });
        expect(await send(app, protocol, key, 'agt_01JC0000000000000000000000', { text: 'Hi', userId: 'ada' })).toEqual({ code: 'AGENT_NOT_FOUND' });
        expect(
          await send(app, protocol, key, agentId, { text: 'Hi', userId: 'ada', conversationId: 'cnv_01JC0000000000000000000000' }),
        ).toEqual({ code: 'NOT_FOUND' });
      }
      expect(await eventsOf(app, accountId)).toEqual([]);
      // The quota's one message, then a refusal.
      expect((await send(app, 'REST', key, agentId, { text: 'Hi', userId: 'ada' })).data).toBeDefined();
      const before = (await eventsOf(app, accountId)).map((e) => e.id);
      for (const protocol of PROTOCOLS) {
        expect(await send(app, protocol, key, agentId, { text: 'Hi', userId: `new-${protocol}` })).toEqual({ code: 'INSUFFICIENT_QUOTA' });
      }
      expect((await eventsOf(app, accountId)).map((e) => e.id)).toEqual(before);
    });

    it('rolled back with its turn: the events written before the quota refused the turn are gone with it', async () => {
      const { accountId, key } = await subscribed(['conversation.created', 'message.completed'], { monthlyMessageQuota: 1 });
      const agentId = await newAgent(app, key);
      await send(app, 'REST', key, agentId, { text: 'Hi', userId: 'ada' });
      const before = (await eventsOf(app, accountId)).map((e) => e.type);
      expect(before).toEqual(['conversation.created', 'message.completed']);
      sql.reset();
      expect(await send(app, 'REST', key, agentId, { text: 'Hi', userId: 'bob' })).toEqual({ code: 'INSUFFICIENT_QUOTA' });
      // Both events of the new conversation were written, then rolled back with the turn.
      expect(sql.statements.filter((s) => /INSERT INTO ("[^"]*"\.)?"WebhookEvent"/.test(s))).toHaveLength(2);
      expect(sql.rollbacks).toBe(1);
      expect((await eventsOf(app, accountId)).map((e) => e.type)).toEqual(before);
      expect(await app.db.prisma.conversation.count({ where: { agentId, userId: 'bob' } })).toBe(0);
      expect(await app.db.prisma.webhookDelivery.count({ where: { accountId } })).toBe(2);
    });
  });

  describe('conversation.deleted', () => {
    for (const protocol of PROTOCOLS) {
      it(`${protocol}: data is the conversation as REST returned it just before the delete`, async () => {
        const { accountId, key, endpointId } = await subscribed(['conversation.deleted']);
        const agentId = await newAgent(app, key);
        const { conversationId } = (await send(app, 'REST', key, agentId, { text: 'Hello', userId: 'ada' })).data;
        const before = await restGet(app, key, `/conversations/${conversationId}`);
        const notFound = 'cnv_01JC0000000000000000000000';
        if (protocol === 'REST') {
          expect((await app.http.delete(`/v1/conversations/${notFound}`).set(bearer(key))).status).toBe(404);
          expect((await app.http.delete(`/v1/conversations/${conversationId}`).set(bearer(key))).status).toBe(200);
          expect((await app.http.delete(`/v1/conversations/${conversationId}`).set(bearer(key))).status).toBe(404);
        } else {
          expect((await graphql(app, key, OPS.deleteConversation, { conversationId: notFound })).body.errors[0].extensions.code).toBe('NOT_FOUND');
          expect((await graphql(app, key, OPS.deleteConversation, { conversationId })).body.data.deleteConversation.deleted).toBe(true);
          expect((await graphql(app, key, OPS.deleteConversation, { conversationId })).body.errors[0].extensions.code).toBe('NOT_FOUND');
        }
        expect(await onlyEvent(app, accountId, 'conversation.deleted', [endpointId])).toEqual(before);
      });
    }

    it("another account's conversation: 404, and neither account records anything", async () => {
      const owner = await subscribed(['*']);
      const other = await subscribed(['*']);
      const agentId = await newAgent(app, owner.key);
      const { conversationId } = (await send(app, 'REST', owner.key, agentId, { text: 'Hello', userId: 'ada' })).data;
      const ownerEvents = (await eventsOf(app, owner.accountId)).length;
      expect((await app.http.delete(`/v1/conversations/${conversationId}`).set(bearer(other.key))).status).toBe(404);
      expect(await eventsOf(app, other.accountId)).toEqual([]);
      expect(await eventsOf(app, owner.accountId)).toHaveLength(ownerEvents);
    });
  });

  describe('message.completed', () => {
    for (const protocol of PROTOCOLS) {
      it(`${protocol}: data is the agent's reply as REST lists it in the conversation`, async () => {
        const { accountId, key, endpointId } = await subscribed(['message.completed']);
        const agentId = await newAgent(app, key);
        const sent = (await send(app, protocol, key, agentId, { text: 'Hello', userId: 'ada' })).data;
        const data = await onlyEvent(app, accountId, 'message.completed', [endpointId]);
        const messages = await restMessages(app, key, sent.conversationId);
        const userTurn = messages.find((m) => m.id === sent.id);
        expect(data).toEqual(messages.find((m) => m.id === userTurn.replyId));
        expect(data).toMatchObject({ role: 'agent', status: 'completed', text: sent.response });
      });
    }

    it('a reply with a tool call: the call as REST shows it', async () => {
      const { accountId, key, endpointId } = await subscribed(['message.completed']);
      const agentId = await newAgent(app, key);
      await enablePlugin(app, agentId, 'calculator');
      const sent = (await send(app, 'REST', key, agentId, { text: 'What is 6 * 7?', userId: 'ada' })).data;
      expect(sent.toolCalls).toHaveLength(1);
      const data = await onlyEvent(app, accountId, 'message.completed', [endpointId]);
      const messages = await restMessages(app, key, sent.conversationId);
      expect(data).toEqual(messages.find((m) => m.role === 'agent'));
      expect(data.toolCalls).toEqual([expect.objectContaining({ tool: 'calculate', error: null })]);
    });
  });

  describe('message.failed', () => {
    for (const protocol of PROTOCOLS) {
      it(`${protocol}: a turn the agent cannot answer; data is the user's message with its error as REST lists it`, async () => {
        const { accountId, key, endpointId } = await subscribed(['message.failed']);
        const agentId = await newAgent(app, key, { status: 'paused' });
        expect(await send(app, protocol, key, agentId, { text: 'Anyone there?', userId: 'ada' })).toEqual({ code: 'AGENT_UNAVAILABLE' });
        const data = await onlyEvent(app, accountId, 'message.failed', [endpointId]);
        const messages = await restMessages(app, key, data.conversationId);
        expect(messages).toHaveLength(1);
        expect(data).toEqual(messages[0]);
        expect(data).toMatchObject({ role: 'user', status: 'failed', error: { code: 'AGENT_UNAVAILABLE' } });
      });
    }

    it('a model provider this server has not configured fails the turn the same way', async () => {
      const { accountId, key, endpointId } = await subscribed(['message.failed']);
      const agentId = await newAgent(app, key, { model: { provider: 'openai', name: 'gpt-test' } });
      expect(await send(app, 'REST', key, agentId, { text: 'Hi', userId: 'ada' })).toEqual({ code: 'AGENT_UNAVAILABLE' });
      const data = await onlyEvent(app, accountId, 'message.failed', [endpointId]);
      expect(data).toEqual((await restMessages(app, key, data.conversationId))[0]);
    });
  });

  describe('quota.threshold', () => {
    const usageOf = async (accountId: string) => (await restGet(app, app.adminKey, `/accounts/${accountId}`)).messageUsage;
    const thresholds = async (accountId: string) =>
      (await eventsOf(app, accountId, 'quota.threshold')).map((e) => (e.data as { threshold: number }).threshold);

    for (const protocol of PROTOCOLS) {
      it(`${protocol}: at 80% and at 100% of the monthly quota, once each; data {threshold, messageUsage as REST returns it}`, async () => {
        const { accountId, key, endpointId } = await subscribed(['quota.threshold'], { monthlyMessageQuota: 5 });
        const agentId = await newAgent(app, key);
        for (let i = 1; i <= 3; i++) await send(app, protocol, key, agentId, { text: `Hi ${i}`, userId: 'ada' });
        expect(await eventsOf(app, accountId)).toEqual([]);
        await send(app, protocol, key, agentId, { text: 'Hi 4', userId: 'ada' });
        const at80 = await onlyEvent(app, accountId, 'quota.threshold', [endpointId]);
        expect(at80).toEqual({ threshold: 80, messageUsage: await usageOf(accountId) });
        expect(at80.messageUsage).toMatchObject({ used: 4, quota: 5 });
        await send(app, protocol, key, agentId, { text: 'Hi 5', userId: 'ada' });
        const events = await eventsOf(app, accountId, 'quota.threshold');
        expect(events.map((e) => e.data)).toEqual([at80, { threshold: 100, messageUsage: await usageOf(accountId) }]);
        expect(events[1]!.deliveries.map((d) => d.endpointId)).toEqual([endpointId]);
        // Used up: refused, and nothing more recorded.
        expect(await send(app, protocol, key, agentId, { text: 'Hi 6', userId: 'ada' })).toEqual({ code: 'INSUFFICIENT_QUOTA' });
        expect(await thresholds(accountId)).toEqual([80, 100]);
      });
    }

    it('once per month: a refunded turn that crossed 80% does not make the next send record it again', async () => {
      const { accountId, key } = await subscribed(['quota.threshold'], { monthlyMessageQuota: 10 });
      const agentId = await newAgent(app, key);
      for (let i = 1; i <= 7; i++) await send(app, 'REST', key, agentId, { text: `Hi ${i}`, userId: 'ada' });
      // The reservation of a turn the paused agent cannot answer takes the 8th message (80%)…
      const paused = await newAgent(app, key, { status: 'paused' });
      expect(await send(app, 'REST', key, paused, { text: 'Hi', userId: 'ada' })).toEqual({ code: 'AGENT_UNAVAILABLE' });
      expect(await eventsOf(app, accountId, 'quota.threshold')).toHaveLength(1);
      // …and gives it back.
      expect((await usageOf(accountId)).used).toBe(7);
      await send(app, 'REST', key, agentId, { text: 'Hi 8', userId: 'ada' });
      expect(await thresholds(accountId)).toEqual([80]);
      await send(app, 'REST', key, agentId, { text: 'Hi 9', userId: 'ada' });
      await send(app, 'REST', key, agentId, { text: 'Hi 10', userId: 'ada' });
      expect(await thresholds(accountId)).toEqual([80, 100]);
    });

    it('a quota of one: its first message crosses both', async () => {
      const { accountId, key } = await subscribed(['quota.threshold'], { monthlyMessageQuota: 1 });
      const agentId = await newAgent(app, key);
      await send(app, 'GraphQL', key, agentId, { text: 'Hi', userId: 'ada' });
      const usage = await usageOf(accountId);
      expect((await eventsOf(app, accountId)).map((e) => e.data)).toEqual([
        { threshold: 80, messageUsage: usage },
        { threshold: 100, messageUsage: usage },
      ]);
    });
  });

  describe('character.created, character.updated, character.deleted', () => {
    const ADA = {
      name: 'Ada',
      username: 'ada',
      bio: ['A patient teacher.'],
      style: { all: ['short sentences'], chat: [] },
      messageExamples: [[{ role: 'user', text: 'Who are you?' }, { role: 'agent', text: 'Ada.' }]],
      greeting: 'Good day.',
      metadata: { team: 'edu' },
    };

    for (const protocol of PROTOCOLS) {
      it(`${protocol}: create, update, delete; data is the character as GET returns it (before a delete)`, async () => {
        const { accountId, key, endpointId } = await subscribed(['character.created', 'character.updated', 'character.deleted']);
        let id: string;
        if (protocol === 'REST') {
          id = (await app.http.post('/v1/characters').set(bearer(key)).send(ADA)).body.data.id;
        } else {
          id = (await graphql(app, key, OPS.createCharacter, { input: ADA })).body.data.createCharacter.id;
        }
        expect(await onlyEvent(app, accountId, 'character.created', [endpointId])).toEqual(await restGet(app, key, `/characters/${id}`));

        const changes = { greeting: null, topics: ['looms'] };
        if (protocol === 'REST') {
          expect((await app.http.patch(`/v1/characters/${id}`).set(bearer(key)).send(changes)).status).toBe(200);
        } else {
          expect((await graphql(app, key, OPS.updateCharacter, { characterId: id, input: changes })).body.data.updateCharacter.revision).toBe(2);
        }
        const updated = await restGet(app, key, `/characters/${id}`);
        expect(await onlyEvent(app, accountId, 'character.updated', [endpointId])).toEqual(updated);
        expect(updated).toMatchObject({ revision: 2, greeting: null, topics: ['looms'] });

        if (protocol === 'REST') {
          expect((await app.http.delete(`/v1/characters/${id}`).set(bearer(key))).status).toBe(200);
        } else {
          expect((await graphql(app, key, OPS.deleteCharacter, { characterId: id })).body.data.deleteCharacter.deleted).toBe(true);
        }
        expect(await onlyEvent(app, accountId, 'character.deleted', [endpointId])).toEqual(updated);
        expect((await eventsOf(app, accountId)).map((e) => e.type)).toEqual(['character.created', 'character.updated', 'character.deleted']);
      });
    }

    it('an import counts as created (REST and GraphQL)', async () => {
      const { accountId, key } = await subscribed(['character.created']);
      const file = { name: 'Eliza', bio: 'A therapist.', style: { all: ['calm'] }, topics: ['feelings'] };
      const viaRest = await app.http.post('/v1/characters/import').set(bearer(key)).send(file);
      expect(viaRest.status, JSON.stringify(viaRest.body)).toBe(201);
      const viaGql = (await graphql(app, key, OPS.importCharacter, { input: file })).body.data.importCharacter;
      const events = await eventsOf(app, accountId, 'character.created');
      expect(events.map((e) => e.data)).toEqual([
        await restGet(app, key, `/characters/${viaRest.body.data.character.id}`),
        await restGet(app, key, `/characters/${viaGql.character.id}`),
      ]);
    });

    it('nothing is recorded for a change refused: bad input, not found, in use', async () => {
      const { accountId, key } = await subscribed(['*']);
      const missing = 'chr_01JC0000000000000000000000';
      expect((await app.http.post('/v1/characters').set(bearer(key)).send({ bio: ['no name'] })).status).toBe(400);
      expect((await graphql(app, key, OPS.createCharacter, { input: { name: '' } })).body.errors).toBeDefined();
      expect((await app.http.post('/v1/characters/import').set(bearer(key)).send({ nothing: 'useful' })).status).toBe(400);
      expect((await app.http.patch(`/v1/characters/${missing}`).set(bearer(key)).send({ greeting: 'x' })).status).toBe(404);
      expect((await graphql(app, key, OPS.updateCharacter, { characterId: missing, input: { greeting: 'x' } })).body.errors[0].extensions.code).toBe('NOT_FOUND');
      expect((await app.http.delete(`/v1/characters/${missing}`).set(bearer(key))).status).toBe(404);
      expect(await eventsOf(app, accountId)).toEqual([]);

      const id = (await app.http.post('/v1/characters').set(bearer(key)).send({ name: 'Used' })).body.data.id;
      expect((await app.http.patch(`/v1/characters/${id}`).set(bearer(key)).send({ name: '' })).status).toBe(400);
      await newAgent(app, key, { characterId: id });
      const inUse = await app.http.delete(`/v1/characters/${id}`).set(bearer(key));
      expect(inUse.body.error.code).toBe('CHARACTER_IN_USE');
      expect((await graphql(app, key, OPS.deleteCharacter, { characterId: id })).body.errors[0].extensions.code).toBe('CHARACTER_IN_USE');
      expect((await eventsOf(app, accountId)).map((e) => e.type)).toEqual(['character.created', 'agent.created']);
    });
  });

  describe('who receives what', () => {
    it("an endpoint gets only the types it subscribed to; '*' gets all; a disabled endpoint and another account's get nothing", async () => {
      const { accountId, key } = await app.newAccount('Many endpoints');
      const characters = await subscribe(app, accountId, ['character.created']);
      const turns = await subscribe(app, accountId, ['conversation.created', 'message.failed']);
      const all = await subscribe(app, accountId, ['*']);
      const disabled = await subscribe(app, accountId, ['*'], { enabled: false });
      const other = await app.newAccount('Bystander');
      const othersEndpoint = await subscribe(app, other.accountId, ['*']);

      const characterId = (await app.http.post('/v1/characters').set(bearer(key)).send({ name: 'Ada' })).body.data.id;
      await app.http.patch(`/v1/characters/${characterId}`).set(bearer(key)).send({ greeting: 'Hi' });
      const agentId = await newAgent(app, key);
      await send(app, 'REST', key, agentId, { text: 'Hello', userId: 'ada' });
      const paused = await newAgent(app, key, { status: 'paused' });
      await send(app, 'GraphQL', key, paused, { text: 'Hello', userId: 'bob' });

      const events = await eventsOf(app, accountId);
      const receivedBy = (endpointId: string) =>
        events.filter((e) => e.deliveries.some((d) => d.endpointId === endpointId)).map((e) => e.type);
      expect(events.map((e) => e.type)).toEqual([
        'character.created',
        'character.updated',
        'agent.created',
        'conversation.created',
        'message.completed',
        'agent.created',
        'conversation.created',
        'message.failed',
      ]);
      expect(receivedBy(characters)).toEqual(['character.created']);
      expect(receivedBy(turns)).toEqual(['conversation.created', 'conversation.created', 'message.failed']);
      expect(receivedBy(all)).toEqual(events.map((e) => e.type));
      expect(receivedBy(disabled)).toEqual([]);
      expect(await app.db.prisma.webhookDelivery.count({ where: { endpointId: { in: [disabled, othersEndpoint] } } })).toBe(0);
      expect(await eventsOf(app, other.accountId)).toEqual([]);
    });

    it('an account without endpoints (or with only a disabled one, or one for other types) writes no event rows', async () => {
      const none = await app.newAccount('No endpoints');
      const disabledOnly = await app.newAccount('Disabled endpoint');
      await subscribe(app, disabledOnly.accountId, ['*'], { enabled: false });
      const otherTypes = await app.newAccount('Other types');
      await subscribe(app, otherTypes.accountId, ['webhook.test']);
      for (const { accountId, key } of [none, disabledOnly, otherTypes]) {
        const characterId = (await app.http.post('/v1/characters').set(bearer(key)).send({ name: 'Ada' })).body.data.id;
        await app.http.patch(`/v1/characters/${characterId}`).set(bearer(key)).send({ greeting: 'Hi' });
        await app.http.delete(`/v1/characters/${characterId}`).set(bearer(key));
        const agentId = await newAgent(app, key);
        for (const protocol of PROTOCOLS) {
          const { conversationId } = (await send(app, protocol, key, agentId, { text: 'Hello', userId: protocol })).data;
          await app.http.delete(`/v1/conversations/${conversationId}`).set(bearer(key));
        }
        const paused = await newAgent(app, key, { status: 'paused' });
        await send(app, 'REST', key, paused, { text: 'Hello', userId: 'ada' });
        expect(await app.db.prisma.webhookEvent.count({ where: { accountId } })).toBe(0);
        expect(await app.db.prisma.webhookDelivery.count({ where: { accountId } })).toBe(0);
      }
    });
  });
});
