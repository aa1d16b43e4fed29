import { createKeyForCaller, listKeys, revokeKey, rotateKey, ROTATION_GRACE, type Caller } from '../../services/key-management.js';
import type { PageArgs } from '../../services/pagination.js';
import { SCOPES } from '../../services/scopes.js';
import type { GraphQLContext } from '../context.js';
import { builder, requireKey } from '../builder.js';
import { connectionOf, edgeOf, pageArgs, toConnection } from '../pagination.js';
import { ApiKeyRef, KeyEnvironment } from './account.js';

function callerOf(ctx: GraphQLContext): Caller {
  const auth = requireKey(ctx);
  return { accountId: auth.account.id, keyId: auth.key.id, scopes: auth.key.scopes };
}

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new API key for your account.',
  fields: (t) => ({
    name: t.string({ required: true, description: '1–100 characters.' }),
    scopes: t.stringList({ required: true, description: `A subset of your own key’s scopes: ${SCOPES.join(', ')}.` }),
    environment: t.field({ type: KeyEnvironment, description: 'live (default) or test.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When the key stops working (optional; in the future).' }),
  }),
});

const RotateApiKeyInput = builder.inputType('RotateApiKeyInput', {
  description: 'How a rotation treats the old secret.',
  fields: (t) => ({
    gracePeriodSeconds: t.int({
      description: `How long the old secret keeps working: default ${ROTATION_GRACE.defaultSeconds} (24 h), at most ${ROTATION_GRACE.maxSeconds} (7 days).`,
    }),
  }),
});

const CreatedApiKey = builder
  .objectRef<Awaited<ReturnType<typeof createKeyForCaller>>>('CreatedApiKey')
  .implement({
    description: 'A new API key and its secret, shown this once.',
    fields: (t) => ({
      apiKey: t.field({ type: ApiKeyRef, description: 'The new key (its secret is in `secret`).', resolve: (p) => p.apiKey }),
      secret: t.exposeString('secret', { description: 'The new key itself. Shown this once: store it now.' }),
    }),
  });

const RotatedApiKey = builder
  .objectRef<Awaited<ReturnType<typeof rotateKey>>>('RotatedApiKey')
  .implement({
    description: 'A rotated API key: a new key with the same name and scopes, and the old one, which expires after the grace period.',
    fields: (t) => ({
      apiKey: t.field({ type: ApiKeyRef, description: 'The new key (rotatedFromId names the old one).', resolve: (p) => p.apiKey }),
      secret: t.exposeString('secret', { description: 'The new secret. Shown this once: store it now.' }),
      previousKey: t.field({
        type: ApiKeyRef,
        description: 'The old key: it keeps working until its expiresAt (the end of the grace period).',
        resolve: (p) => p.previousKey,
      }),
    }),
  });

builder.queryFields((t) => ({
  apiKeys: t.connection(
    {
      type: ApiKeyRef,
      description: 'Your account’s API keys, newest first, revoked ones included. Never their secrets.',
      authScopes: { scope: 'keys:manage' },
      args: pageArgs(t),
      resolve: async (_root, args, ctx) =>
        toConnection(await listKeys(ctx.prisma, callerOf(ctx).accountId, args as PageArgs)) as never,
    },
    connectionOf('ApiKeyConnection', 'API keys'),
    edgeOf('API key'),
  ),
}));

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKey,
    description: 'A new key for your account, with at most the scopes of the key creating it.',
    authScopes: { scope: 'keys:manage' },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true, description: 'The new key.' }) },
    resolve: (_root, { input }, ctx) => createKeyForCaller(ctx.prisma, callerOf(ctx), input, ctx.idempotency?.commit),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description: 'Revokes a key at once: every later request with it is refused. Only a key holding every scope of the revoked one may.',
    authScopes: { scope: 'keys:manage' },
    args: { id: t.arg.id({ required: true, description: 'The key’s ID (`key_…`), not its secret.' }) },
    resolve: async (_root, { id }, ctx) => {
      const key = await revokeKey(ctx.prisma, callerOf(ctx), String(id), ctx.idempotency?.commit);
      await ctx.keyCache.invalidateKey(key.id);
      return key;
    },
  }),
  rotateApiKey: t.field({
    type: RotatedApiKey,
    description: 'Issues a new secret; the old one keeps working for the grace period.',
    authScopes: { scope: 'keys:manage' },
    args: {
      id: t.arg.id({ required: true, description: 'The key’s ID (`key_…`), not its secret.' }),
      input: t.arg({ type: RotateApiKeyInput, description: 'The grace period; omitted: the default.' }),
    },
    resolve: async (_root, { id, input }, ctx) => {
      const rotated = await rotateKey(ctx.prisma, callerOf(ctx), String(id), input ?? {}, ctx.idempotency?.commit);
      await ctx.keyCache.invalidateKey(rotated.previousKey.id);
      return rotated;
    },
  }),
}));
