// The baseline a user would otherwise write: one Express route, Prisma, the same API-key check
// and the same envelope as GET /v1/agents/{agentId}. Benchmark only; never part of the product.
import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import { openDatabase } from '../../src/db/client.js';
import { prepareDatabase } from '../../src/db/migrate.js';
import { createAccount } from '../../src/services/accounts.js';
import { createAgent } from '../../src/services/agents.js';

const db = await openDatabase(
  process.env.DATABASE_URL
    ? { kind: 'postgres', url: process.env.DATABASE_URL }
    : { kind: 'pglite', dataDir: process.env.ORION_DATA_DIR! },
);
await prepareDatabase(db, async () => undefined);
const { account, secret } = await createAccount(db.prisma, { name: 'baseline', tier: 'enterprise' });
const agent = await createAgent(db.prisma, account.id, { name: 'Bench' });

const app = express();
app.get('/v1/agents/:agentId', async (req, res) => {
  const token = /^Bearer (\S+)$/.exec(req.get('Authorization') ?? '')?.[1];
  const hash = token ? createHash('sha256').update(token).digest('hex') : '';
  const key = token ? await db.prisma.apiKey.findUnique({ where: { hash } }) : null;
  const now = new Date();
  if (!key || !timingSafeEqual(Buffer.from(key.hash, 'hex'), Buffer.from(hash, 'hex')) || key.revokedAt || (key.expiresAt && key.expiresAt <= now)) {
    res.status(401).json({ success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid API key', details: {} } });
    return;
  }
  const found = await db.prisma.agent.findFirst({ where: { id: req.params.agentId, accountId: key.accountId } });
  if (!found) {
    res.status(404).json({ success: false, error: { code: 'AGENT_NOT_FOUND', message: 'Agent not found', details: {} } });
    return;
  }
  res.json({
    success: true,
    data: {
      id: found.id,
      name: found.name,
      description: found.description,
      personality: found.personality,
      systemPrompt: found.systemPrompt,
      model: { provider: found.modelProvider, name: found.modelName, temperature: found.modelTemperature, maxTokens: found.modelMaxTokens },
      status: found.status,
      metadata: found.metadata,
      createdAt: found.createdAt.toISOString(),
      updatedAt: found.updatedAt.toISOString(),
    },
  });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, key: secret, agentId: agent.id }));
});
process.once('SIGTERM', () => server.close(() => db.close().then(() => process.exit(0))));
