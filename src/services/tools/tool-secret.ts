import type { PrismaClient } from '../../db/client.js';
import { openAnswer, sealAnswer } from '../answer-seal.js';
import { withCommitMark, type CommitMark } from '../idempotency.js';
import { ownAgentId } from '../plugins/agent-plugins.js';
import { newSigningSecret } from '../signing-secret.js';
import { requireServerKey } from '../server-key.js';

/**
 * An agent's tool-signing secret (see newSigningSecret): calls to its custom tools are signed
 * with it exactly like webhooks. It is shown once (with the agent's first tool, and by each
 * rotation) and stored only sealed (AES-256-GCM) under the server key, bound to the agent: the
 * database alone cannot read it.
 */
const sealContext = (agentId: string) => `tool-secret:${agentId}`;

export function sealToolSecret(serverKey: string, agentId: string, secret: string): string {
  return sealAnswer(serverKey, sealContext(agentId), secret);
}

/**
 * The agent's tool-signing secret in plaintext, from its sealed column; undefined when it has
 * none, or this server key cannot open it (no key, or another one).
 */
export function openToolSecret(serverKey: string | undefined, agentId: string, sealed: string | null): string | undefined {
  return serverKey && sealed ? openAnswer(serverKey, sealContext(agentId), sealed) : undefined;
}

/** Replaces the agent's tool-signing secret (making one if it has none); answers the new one, once. */
export async function rotateToolSecret(
  prisma: PrismaClient,
  serverKey: string | undefined,
  accountId: string,
  agentId: string,
  commit?: CommitMark,
): Promise<string> {
  await ownAgentId(prisma, accountId, agentId);
  const key = requireServerKey(serverKey);
  const secret = newSigningSecret();
  const toolSecret = sealToolSecret(key, agentId, secret);
  await withCommitMark(prisma, commit, { type: 'Agent', id: agentId }, (db) =>
    db.agent.updateMany({ where: { id: agentId, accountId }, data: { toolSecret } }),
  );
  return secret;
}
