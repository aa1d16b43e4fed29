import { createAccount, getAccount, listAccounts, updateAccount } from '../../services/accounts.js';
import type { PageArgs } from '../../services/pagination.js';
import { messageUsage } from '../../services/quotas.js';
import { effectiveLimits } from '../../services/tiers.js';
import { builder, requireKey } from '../builder.js';
import { connectionExtras, pageArgs, toConnection } from '../pagination.js';

const MessageUsageRef = builder
  .objectRef<Awaited<ReturnType<typeof messageUsage>>>('MessageUsage')
  .implement({
    description: 'Messages sent this calendar month (UTC) against the monthly quota.',
    fields: (t) => ({
      period: t.exposeString('period', { description: 'The month, YYYY-MM.' }),
      used: t.exposeInt('used'),
      quota: t.exposeInt('quota'),
      resetsAt: t.expose('resetsAt', { type: 'DateTime' }),
    }),
  });

const Tier = builder.enumType('Tier', {
  description: 'standard: 60 requests/min; pro: 300/min; enterprise: custom limits.',
  values: ['standard', 'pro', 'enterprise'] as const,
});

export const KeyEnvironment = builder.enumType('KeyEnvironment', {
  description: 'live keys (orn_live_…) for production, test keys (orn_test_…) for development.',
  values: ['live', 'test'] as const,
});

export const AccountRef = builder.prismaNode('Account', {
  description: 'An account owns agents and API keys; every key sees only its own account.',
  id: { field: 'id' },
  nullable: true,
  // Through node(id:), a key reads its own account; an admin key reads any.
  findUnique: (id, ctx) => {
    const auth = requireKey(ctx);
    return auth.key.scopes.includes('admin') ? { id } : { id, AND: [{ id: auth.account.id }] };
  },
  fields: (t) => ({
    name: t.exposeString('name'),
    tier: t.expose('tier', { type: Tier }),
    rateLimitPerMinute: t.int({
      description: 'Requests per minute: the tier default unless the account has its own.',
      resolve: (a) => effectiveLimits(a).rateLimitPerMinute,
    }),
    monthlyMessageQuota: t.int({
      description: 'Messages per calendar month (UTC): the tier default unless the account has its own.',
      resolve: (a) => effectiveLimits(a).monthlyMessageQuota,
    }),
    messageUsage: t.field({ type: MessageUsageRef, resolve: (a, _args, ctx) => messageUsage(ctx.prisma, a) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const ApiKeyRef = builder.prismaNode('ApiKey', {
  description: 'An API key. Its secret is shown once, when it is created, and never stored.',
  id: { field: 'id' },
  nullable: true,
  // node(id:) only finds keys of the caller's account (and needs keys:manage, see builder.ts).
  findUnique: (id, ctx) => ({ id, accountId: requireKey(ctx).account.id }),
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the secret.' }),
    scopes: t.exposeStringList('scopes'),
    environment: t.expose('environment', { type: KeyEnvironment }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    rotatedFromId: t.exposeID('rotatedFromId', { nullable: true, description: 'The key this one replaced.' }),
  }),
});

const CreateAccountInput = builder.inputType('CreateAccountInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1–100 characters.' }),
    tier: t.field({ type: Tier, description: 'Default standard.' }),
    rateLimitPerMinute: t.int({ description: 'Overrides the tier default.' }),
    monthlyMessageQuota: t.int({ description: 'Overrides the tier default.' }),
  }),
});

const CreateAccountPayload = builder
  .objectRef<Awaited<ReturnType<typeof createAccount>>>('CreateAccountPayload')
  .implement({
    fields: (t) => ({
      account: t.field({ type: AccountRef, resolve: (p) => p.account }),
      apiKey: t.field({ type: ApiKeyRef, resolve: (p) => p.apiKey }),
      secret: t.exposeString('secret', {
        description: 'The new key itself. Shown this once: store it now.',
      }),
    }),
  });

const UpdateAccountInput = builder.inputType('UpdateAccountInput', {
  description: 'Each field given replaces the stored one; null limits go back to the tier default.',
  fields: (t) => ({
    name: t.string(),
    tier: t.field({ type: Tier }),
    rateLimitPerMinute: t.int(),
    monthlyMessageQuota: t.int(),
  }),
});

builder.queryFields((t) => ({
  accounts: t.connection(
    {
      type: AccountRef,
      description: 'Operators only (admin scope): every account, newest first.',
      authScopes: { scope: 'admin' },
      args: pageArgs(t),
      resolve: async (_root, args, ctx) => toConnection(await listAccounts(ctx.prisma, args as PageArgs)) as never,
    },
    { name: 'AccountConnection', ...connectionExtras },
  ),
  account: t.field({
    type: AccountRef,
    description: 'Operators only (admin scope): one account.',
    authScopes: { scope: 'admin' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => getAccount(ctx.prisma, String(id)),
  }),
  viewer: t.field({
    type: AccountRef,
    description: 'The account of the API key making the request.',
    resolve: (_root, _args, ctx) => requireKey(ctx).account,
  }),
}));

builder.mutationFields((t) => ({
  createAccount: t.field({
    type: CreateAccountPayload,
    description: 'Operators only (admin scope): creates an account and its first API key.',
    authScopes: { scope: 'admin' },
    args: { input: t.arg({ type: CreateAccountInput, required: true }) },
    resolve: (_root, { input }, ctx) => createAccount(ctx.prisma, input, ctx.idempotency?.commit),
  }),
  updateAccount: t.field({
    type: AccountRef,
    description: 'Operators only (admin scope): tier, limits or name of an account.',
    authScopes: { scope: 'admin' },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateAccountInput, required: true }) },
    resolve: async (_root, { id, input }, ctx) => {
      const account = await updateAccount(ctx.prisma, String(id), input as Record<string, unknown>, ctx.idempotency?.commit);
      await ctx.keyCache.invalidateAccount(account.id);
      return account;
    },
  }),
}));
