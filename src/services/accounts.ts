import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import type { Account, ApiKey } from '../db/generated/prisma/client.js';
import { invalidRequest, notFound } from '../errors.js';
import { newId, typeOfId } from '../ids.js';
import { createApiKey } from './api-keys.js';
import { withCommitMark, type CommitMark } from './idempotency.js';
import { ACCOUNT_OWNER_SCOPES } from './scopes.js';
import { idOrderedSource, paginate, type Page, type PageArgs } from './pagination.js';
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
  commit?: CommitMark,
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
    await commit?.(tx, { type: 'Account', id: account.id });
    return { account, apiKey, secret };
  });
}

const updateAccountSchema = z
  .object({
    name: createAccountSchema.shape.name.optional(),
    tier: z.enum(['standard', 'pro', 'enterprise']).optional(),
    // null goes back to the tier default.
    rateLimitPerMinute: z.number().int().min(1).max(1_000_000).nullable().optional(),
    monthlyMessageQuota: z.number().int().min(0).max(1_000_000_000).nullable().optional(),
  })
  .strict();

export async function getAccount(prisma: PrismaClient, id: string): Promise<Account> {
  const account = typeOfId(id) === 'Account' ? await prisma.account.findUnique({ where: { id } }) : null;
  if (!account) throw notFound('Account', id);
  return account;
}

/** Operators: tier and limits of an account. Fields named replace the stored ones. */
export async function updateAccount(
  prisma: PrismaClient,
  id: string,
  rawInput: Record<string, unknown>,
  commit?: CommitMark,
): Promise<Account> {
  const cleared = (['name', 'tier'] as const).filter((field) => rawInput[field] === null);
  if (cleared.length) throw invalidRequest(cleared.map((field) => ({ field, message: 'cannot be null' })));
  const input = parseInput(updateAccountSchema, rawInput);
  await getAccount(prisma, id);
  return withCommitMark(prisma, commit, { type: 'Account', id }, (db) => db.account.update({ where: { id }, data: input }));
}

export function listAccounts(prisma: PrismaClient, args: PageArgs): Promise<Page<Account>> {
  const total = async () =>
    (await prisma.tableCount.findUnique({ where: { name: 'Account' }, select: { count: true } }))?.count ?? 0;
  return paginate(args, idOrderedSource<Account>(prisma.account, {}, (id) => typeOfId(id) === 'Account', total));
}
