import type { PrismaClient } from '../db/client.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { createApiKey, displayPrefix, hashSecret } from './api-keys.js';
import { OPERATOR_SCOPES } from './scopes.js';

export const OPERATOR_ACCOUNT_NAME = 'Operator';
const ENV_KEY_NAME = 'ORION_ADMIN_KEY';

export type BootstrapResult =
  | { kind: 'admin-key-from-env'; accountId: string }
  | { kind: 'first-start'; accountId: string; secret: string }
  | { kind: 'nothing-to-do' };

async function operatorAccountId(prisma: PrismaClient): Promise<string> {
  const existing =
    (await prisma.account.findFirst({ where: { apiKeys: { some: { fromEnvironment: true } } }, orderBy: { id: 'asc' } })) ??
    (await prisma.account.findFirst({ where: { apiKeys: { some: { scopes: { has: 'admin' } } } }, orderBy: { id: 'asc' } }));
  if (existing) return existing.id;
  const created = await prisma.account.create({
    data: { id: newId('acc'), name: OPERATOR_ACCOUNT_NAME, tier: 'enterprise' },
  });
  return created.id;
}

/** Revokes the keys ORION_ADMIN_KEY made earlier, but the one with `keepHash`. */
async function retireEnvironmentKeys(prisma: PrismaClient, keepHash: string | undefined, logger?: Logger): Promise<void> {
  const { count } = await prisma.apiKey.updateMany({
    where: { fromEnvironment: true, revokedAt: null, ...(keepHash ? { hash: { not: keepHash } } : {}) },
    data: { revokedAt: new Date() },
  });
  if (count) {
    logger?.warn(
      { revoked: count },
      keepHash
        ? 'ORION_ADMIN_KEY changed: the key it named before is revoked'
        : 'ORION_ADMIN_KEY is no longer set: the key it named is revoked',
    );
  }
}

/**
 * Makes sure an operator can get in. Run under the start-up lock, so concurrent instances cannot
 * both do it.
 *
 * With ORION_ADMIN_KEY, the key whose hash is that secret's is the environment's operator key
 * (flagged `fromEnvironment`, which nothing in the API can set: never found by its name): created
 * if missing, with every scope; environment keys of an earlier value are revoked. A key revoked
 * or rotated through the API stays so: its secret is never brought back, and a key that replaced
 * it is left alone. Without ORION_ADMIN_KEY, environment keys are revoked, and a start without
 * any admin key creates the operator account and one admin key, whose secret is returned to be
 * shown once.
 */
export async function bootstrapOperator(
  prisma: PrismaClient,
  adminKey: string | undefined,
  logger?: Logger,
): Promise<BootstrapResult> {
  if (adminKey) {
    const hash = hashSecret(adminKey);
    await retireEnvironmentKeys(prisma, hash, logger);
    const existing = await prisma.apiKey.findUnique({ where: { hash } });
    if (!existing) {
      const accountId = await operatorAccountId(prisma);
      await prisma.apiKey.create({
        data: {
          id: newId('key'),
          accountId,
          name: ENV_KEY_NAME,
          prefix: displayPrefix(adminKey),
          hash,
          scopes: OPERATOR_SCOPES,
          fromEnvironment: true,
        },
      });
      return { kind: 'admin-key-from-env', accountId };
    }
    // Environment keys are made without an expiry: one has been rotated (or revoked) since.
    const retired = existing.revokedAt !== null || existing.expiresAt !== null;
    await prisma.apiKey.update({
      where: { id: existing.id },
      // The hash proves it is the environment's (a key made by an earlier version, say).
      data: retired ? { fromEnvironment: true } : { fromEnvironment: true, scopes: OPERATOR_SCOPES },
    });
    if (retired) {
      logger?.warn(
        'ORION_ADMIN_KEY names a key that was revoked or rotated through the API: it is not brought back; set ORION_ADMIN_KEY to a new secret for a new operator key',
      );
    }
    return { kind: 'admin-key-from-env', accountId: existing.accountId };
  }
  await retireEnvironmentKeys(prisma, undefined, logger);
  // Until some admin key exists (accounts may have been made with the CLI first).
  const adminKeys = await prisma.apiKey.count({
    where: { scopes: { has: 'admin' }, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
  });
  if (adminKeys > 0) return { kind: 'nothing-to-do' };
  const accountId = await operatorAccountId(prisma);
  const { secret } = await createApiKey(prisma, {
    accountId,
    name: 'First admin key',
    scopes: OPERATOR_SCOPES,
  });
  return { kind: 'first-start', accountId, secret };
}
