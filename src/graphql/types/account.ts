import { createAccount, getAccount, listAccounts, updateAccount } from '../../services/accounts.js';
import type { PageArgs } from '../../services/pagination.js';
import { messageUsage } from '../../services/quotas.js';
import { effectiveLimits, TIER_DEFAULTS } from '../../services/tiers.js';
import { builder, requireKey } from '../builder.js';
import { connectionOf, edgeOf, pageArgs, toConnection } from '../pagination.js';

const MessageUsageRef = builder
  .objectRef<Awaited<ReturnType<typeof messageUsage>>>('MessageUsage')
  .implement({
    description: 'Messages sent this calendar month (UTC) against the monthly quota.',
    fields: (t) => ({
      period: t.exposeString('period', { description: 'The month, YYYY-MM.' }),
      used: t.exposeInt('used', { description: 'Messages sent to agents this month: each send counts one, its reply nothing.' }),
      quota: t.exposeInt('quota', { description: 'Messages allowed this month; past it, sends fail with INSUFFICIENT_QUOTA (429).' }),
      resetsAt: t.expose('resetsAt', { type: 'DateTime', description: 'When the count starts again at 0: midnight UTC on the first of next month.' }),
    }),
  });

const tierLimits = (tier: keyof typeof TIER_DEFAULTS) =>
  `${TIER_DEFAULTS[tier].rateLimitPerMinute.toLocaleString('en-US')} requests per minute, ${TIER_DEFAULTS[tier].monthlyMessageQuota.toLocaleString('en-US')} messages per month`;

const Tier = builder.enumType('Tier', {
  description: 'standard: 60 requests/min; pro: 300/min; enterprise: custom limits.',
  values: {
    standard: { description: `Defaults: ${tierLimits('standard')}.` },
    pro: { description: `Defaults: ${tierLimits('pro')}.` },
    enterprise: { description: `Limits set per account; unset: ${tierLimits('enterprise')}.` },
  } as const,
});

export const KeyEnvironment = builder.enumType('KeyEnvironment', {
  description: 'live keys (orn_live_…) for production, test keys (orn_test_…) for development.',
  values: {
    live: { description: 'A production key: its secret starts with `orn_live_`.' },
    test: { description: 'A development key: its secret starts with `orn_test_`.' },
  } as const,
});

export const AccountRef = builder.prismaNode('Account', {
  description: 'An account owns agents and API keys; every key sees only its own account.',
  id: { field: 'id', description: 'The account’s ID (`acc_…`).' },
  nullable: true,
  // Through node(id:), a key reads its own account; an admin key reads any.
  findUnique: (id, ctx) => {
    const auth = requireKey(ctx);
    return auth.key.scopes.includes('admin') ? { id } : { id, AND: [{ id: auth.account.id }] };
  },
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The account’s display name (1–100 characters).' }),
    tier: t.expose('tier', { type: Tier, description: 'The plan that sets its default rate limit and message quota.' }),
    rateLimitPerMinute: t.int({
      description: 'Requests per minute: the tier default unless the account has its own.',
      resolve: (a) => effectiveLimits(a).rateLimitPerMinute,
    }),
    monthlyMessageQuota: t.int({
      description: 'Messages per calendar month (UTC): the tier default unless the account has its own.',
      resolve: (a) => effectiveLimits(a).monthlyMessageQuota,
    }),
    messageUsage: t.field({
      type: MessageUsageRef,
      description: 'Messages sent this month against the monthly quota.',
      resolve: (a, _args, ctx) => messageUsage(ctx.prisma, a) }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the account was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When its name, tier or limits last changed.' }),
  }),
});

export const ApiKeyRef = builder.prismaNode('ApiKey', {
  description: 'An API key. Its secret is shown once, when it is created, and never stored.',
  id: { field: 'id', description: 'The key’s ID (`key_…`): not the secret, safe to log.' },
  nullable: true,
  // node(id:) only finds keys of the caller's account (and needs keys:manage, see builder.ts).
  findUnique: (id, ctx) => ({ id, accountId: requireKey(ctx).account.id }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Your label for the key (1–100 characters).' }),
    prefix: t.exposeString('prefix', { description: 'The first characters of the secret.' }),
    scopes: t.exposeStringList('scopes', { description: 'What the key may do, e.g. agents:read, messages:write; admin for operators.' }),
    environment: t.expose('environment', { type: KeyEnvironment, description: 'Live or test: whether its secret starts `orn_live_` or `orn_test_`.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the key was created.' }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the key last authenticated a request, kept coarse (updated at most every 5 minutes); null if never.',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When the key stops working; null for never.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When the key was revoked; null while it is not.' }),
    rotatedFromId: t.exposeID('rotatedFromId', { nullable: true, description: 'The key this one replaced.' }),
  }),
});

const CreateAccountInput = builder.inputType('CreateAccountInput', {
  description: 'A new account: its name, and optionally its tier and its own limits.',
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
    description: 'The new account and its first API key (holding every scope but admin).',
    fields: (t) => ({
      account: t.field({ type: AccountRef, description: 'The new account.', resolve: (p) => p.account }),
      apiKey: t.field({ type: ApiKeyRef, description: 'Its first API key (the secret is in `secret`).', resolve: (p) => p.apiKey }),
      secret: t.exposeString('secret', {
        description: 'The new key itself. Shown this once: store it now.',
      }),
    }),
  });

const UpdateAccountInput = builder.inputType('UpdateAccountInput', {
  description: 'Each field given replaces the stored one; null limits go back to the tier default.',
  fields: (t) => ({
    name: t.string({ description: '1–100 characters.' }),
    tier: t.field({ type: Tier, description: 'The new tier; its defaults apply to limits the account does not set itself.' }),
    rateLimitPerMinute: t.int({ description: 'The account’s own requests per minute; null for the tier default.' }),
    monthlyMessageQuota: t.int({ description: 'The account’s own messages per month; null for the tier default.' }),
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
    connectionOf('AccountConnection', 'accounts'),
    edgeOf('account'),
  ),
  account: t.field({
    type: AccountRef,
    description: 'Operators only (admin scope): one account.',
    authScopes: { scope: 'admin' },
    args: { id: t.arg.id({ required: true, description: 'The account’s ID (`acc_…`).' }) },
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
    args: { input: t.arg({ type: CreateAccountInput, required: true, description: 'The new account.' }) },
    resolve: (_root, { input }, ctx) => createAccount(ctx.prisma, input, ctx.idempotency?.commit),
  }),
  updateAccount: t.field({
    type: AccountRef,
    description: 'Operators only (admin scope): tier, limits or name of an account.',
    authScopes: { scope: 'admin' },
    args: {
      id: t.arg.id({ required: true, description: 'The account’s ID (`acc_…`).' }),
      input: t.arg({ type: UpdateAccountInput, required: true, description: 'The changes.' }),
    },
    resolve: async (_root, { id, input }, ctx) => {
      const account = await updateAccount(ctx.prisma, String(id), input as Record<string, unknown>, ctx.idempotency?.commit);
      await ctx.keyCache.invalidateAccount(account.id);
      return account;
    },
  }),
}));
