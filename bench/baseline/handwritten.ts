// The baseline a user would otherwise write: GET /v1/agents/{agentId} as one Express route over
// Prisma, behind exactly the front OrionOS has (./front.ts: cached API key, rate limit, security
// headers, request id, access log), answering the same envelope and the same bytes. Benchmark
// only; never part of the product.
import type { OrionRequest } from '../../src/http/request-context.js';
import { productionFront } from './front.js';

const front = await productionFront();
const { app, db } = front;

app.get('/v1/agents/:agentId', async (req, res) => {
  const { auth, requestId } = (req as unknown as OrionRequest).orion;
  if (auth.kind !== 'key') {
    res.status(401).json({ success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid API key', details: {}, requestId } });
    return;
  }
  if (!auth.key.scopes.includes('agents:read')) {
    res.status(403).json({ success: false, error: { code: 'FORBIDDEN', message: 'This key lacks the agents:read scope', details: {}, requestId } });
    return;
  }
  const found = await db.prisma.agent.findFirst({ where: { id: req.params.agentId, accountId: auth.account.id } });
  if (!found) {
    res.status(404).json({ success: false, error: { code: 'AGENT_NOT_FOUND', message: 'Agent not found', details: {}, requestId } });
    return;
  }
  const personality = found.personality as Record<string, unknown>;
  res.json({
    success: true,
    data: {
      id: found.id,
      name: found.name,
      description: found.description,
      personality: {
        traits: personality.traits ?? [],
        tone: personality.tone ?? null,
        bio: personality.bio ?? null,
        style: personality.style ?? null,
        examples: personality.examples ?? [],
      },
      systemPrompt: found.systemPrompt,
      model: { provider: found.modelProvider, name: found.modelName, temperature: found.modelTemperature, maxTokens: found.modelMaxTokens },
      status: found.status,
      metadata: found.metadata,
      createdAt: found.createdAt.toISOString(),
      updatedAt: found.updatedAt.toISOString(),
    },
  });
});

front.listen();
