import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import type { Account, ApiKey } from '../db/generated/prisma/client.js';
import { newId } from '../ids.js';
import { createApiKey } from './api-keys.js';
import { ACCOUNT_OWNER_SCOPES } from './scopes.js';
import { parseInput } from './validation.js';

const createAccountSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  tier: z
    .enum(['standard', 'pro', 'enterprise'])
    .nullish()
    .transform((v) => v ?? 'standard'),
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).nullish(),
  monthlyMessageQuota: z.number().int().min(0).max(1_000_000_000).nullish(),
});

export type CreateAccountInput = z.input<typeof createAccountSchema>;

/** Creates an account and its first key (every scope but admin); the secret is returned once. */
export async function createAccount(
  prisma: PrismaClient,
  rawInput: CreateAccountInput,
): Promise<{ account: Account; apiKey: ApiKey; secret: string }> {
  const input = parseInput(createAccountSchema, rawInput);
  return prisma.$transaction(async (tx) => {
    const account = await tx.account.create({
      data: {
        id: newId('acc'),
        name: input.name,
        tier: input.tier,
        rateLimitPerMinute: input.rateLimitPerMinute ?? null,
        monthlyMessageQuota: input.monthlyMessageQuota ?? null,
      },
    });
    const { apiKey, secret } = await createApiKey(tx as unknown as PrismaClient, {
      accountId: account.id,
      name: 'Initial key',
      scopes: ACCOUNT_OWNER_SCOPES,
    });
    return { account, apiKey, secret };
  });
}
