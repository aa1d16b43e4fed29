import type { PrismaClient } from '../db/client.js';
import { newId } from '../ids.js';
import { createApiKey, displayPrefix, hashSecret } from './api-keys.js';
import { OPERATOR_SCOPES } from './scopes.js';

export const OPERATOR_ACCOUNT_NAME = 'Operator';
const ENV_KEY_NAME = 'ORION_ADMIN_KEY';

export type BootstrapResult =
  | { kind: 'admin-key-from-env'; accountId: string }
  | { kind: 'first-start'; accountId: string; secret: string }
  | { kind: 'nothing-to-do' };

async function operatorAccountId(prisma: PrismaClient): Promise<string> {
  const existing = await prisma.account.findFirst({
    where: { apiKeys: { some: { scopes: { has: 'admin' } } } },
    orderBy: { id: 'asc' },
  });
  if (existing) return existing.id;
  const created = await prisma.account.create({
    data: { id: newId('acc'), name: OPERATOR_ACCOUNT_NAME, tier: 'enterprise' },
  });
  return created.id;
}

/**
 * Makes sure an operator can get in. With ORION_ADMIN_KEY, that key is an admin key (and an
 * earlier ORION_ADMIN_KEY that differs is revoked). Without it, the first start without any admin
 * key creates the operator account and one admin key, whose secret is returned to be shown once.
 * Run under the start-up lock, so concurrent instances cannot both do it.
 */
export async function bootstrapOperator(
  prisma: PrismaClient,
  adminKey: string | undefined,
): Promise<BootstrapResult> {
  if (adminKey) {
    const hash = hashSecret(adminKey);
    const accountId = await operatorAccountId(prisma);
    await prisma.apiKey.updateMany({
      where: { name: ENV_KEY_NAME, hash: { not: hash }, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    await prisma.apiKey.upsert({
      where: { hash },
      update: { revokedAt: null, expiresAt: null, scopes: OPERATOR_SCOPES },
      create: {
        id: newId('key'),
        accountId,
        name: ENV_KEY_NAME,
        prefix: displayPrefix(adminKey),
        hash,
        scopes: OPERATOR_SCOPES,
      },
    });
    return { kind: 'admin-key-from-env', accountId };
  }
  // Until some admin key exists (accounts may have been made with the CLI first).
  const adminKeys = await prisma.apiKey.count({ where: { scopes: { has: 'admin' }, revokedAt: null } });
  if (adminKeys > 0) return { kind: 'nothing-to-do' };
  const accountId = await operatorAccountId(prisma);
  const { secret } = await createApiKey(prisma, {
    accountId,
    name: 'First admin key',
    scopes: OPERATOR_SCOPES,
  });
  return { kind: 'first-start', accountId, secret };
}
