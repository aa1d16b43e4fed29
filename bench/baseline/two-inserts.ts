// The floor for sending a message: behind exactly OrionOS's front (./front.ts), one Express route
// that does nothing but the two inserts every message needs (the user's turn and the agent's
// reply, through Prisma) and answers the envelope. No validation beyond the shape, no history, no
// engine, no quota, no counters: what any implementation pays at least. Benchmark only; never
// part of the product.
import type { OrionRequest } from '../../src/http/request-context.js';
import { newId } from '../../src/ids.js';
import { productionFront } from './front.js';

const front = await productionFront();
const { app, db } = front;
// One conversation per end user, made on its first message (not counted: the floor is two inserts).
const conversations = new Map<string, Promise<string>>();

function conversationOf(accountId: string, agentId: string, userId: string): Promise<string> {
  let id = conversations.get(userId);
  if (!id) {
    id = db.prisma.conversation
      .upsert({
        where: { agentId_userId: { agentId, userId } },
        create: { id: newId('cnv'), accountId, agentId, userId },
        update: {},
      })
      .then((c) => c.id);
    conversations.set(userId, id);
  }
  return id;
}

app.post('/v1/agents/:agentId/messages', async (req, res) => {
  const { auth, requestId } = (req as unknown as OrionRequest).orion;
  if (auth.kind !== 'key' || !auth.key.scopes.includes('messages:write')) {
    res.status(401).json({ success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid API key', details: {}, requestId } });
    return;
  }
  const { text, userId } = req.body as { text: string; userId: string };
  const agentId = req.params.agentId;
  const accountId = auth.account.id;
  const conversationId = await conversationOf(accountId, agentId, userId);
  const user = await db.prisma.message.create({
    data: { id: newId('msg'), accountId, conversationId, agentId, userId, role: 'user', text, status: 'completed' },
  });
  const reply = await db.prisma.message.create({
    data: { id: newId('msg'), accountId, conversationId, agentId, userId, role: 'agent', text: `You said: ${text}`, status: 'completed' },
  });
  res.json({
    success: true,
    data: { id: user.id, conversationId, agentId, userId, text, response: { id: reply.id, text: reply.text, createdAt: reply.createdAt.toISOString() } },
  });
});

front.listen();
