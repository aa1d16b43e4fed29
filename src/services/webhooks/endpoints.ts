import { z } from 'zod';
import type { PrismaClient } from '../../db/client.js';
import type { Prisma, WebhookEndpoint } from '../../db/generated/prisma/client.js';
import { ApiError, invalidRequest, notFound } from '../../errors.js';
import { newId, typeOfId } from '../../ids.js';
import { withCommitMark, type CommitMark } from '../idempotency.js';
import { idOrderedSource, paginate, type Page, type PageArgs } from '../pagination.js';
import { outboundUrlSchema } from '../outbound/url.js';
import { requireServerKey } from '../server-key.js';
import { newSigningSecret } from '../signing-secret.js';
import { parseInput } from '../validation.js';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES, isWebhookEventType } from './event-types.js';
import { PREVIOUS_SECRET_VALIDITY_MS, sealWebhookSecret } from './secrets.js';

export type { WebhookEndpoint };

/** Documented bounds of webhook endpoints. */
export const WEBHOOK_LIMITS = {
  perAccount: 16,
  description: 500,
} as const;

const L = WEBHOOK_LIMITS;

/** What the endpoint rules depend on: the operator's ORION_ALLOW_PRIVATE_NETWORKS. */
export type WebhookRules = { allowPrivateNetworks: boolean };

const eventsSchema = z
  .array(z.string())
  .min(1, 'must name at least one event type (or "*")')
  .superRefine((events, ctx) => {
    events.forEach((event, index) => {
      if (event !== ALL_EVENTS && !isWebhookEventType(event)) {
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: `must be "*" or one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
        });
      }
    });
  })
  .transform((events) => [...new Set(events)]);

const descriptionSchema = z.string().max(L.description, `must be at most ${L.description} characters`);

function createSchema(rules: WebhookRules) {
  return z
    .object({
      url: outboundUrlSchema({ httpsOnly: !rules.allowPrivateNetworks }),
      events: eventsSchema,
      description: descriptionSchema.nullish(),
      enabled: z.boolean().nullish(),
    })
    .strict();
}

export type CreatedWebhook = {
  endpoint: WebhookEndpoint;
  /** The signing secret (`whsec_…`), answered this once; stored only sealed. */
  secret: string;
};

/** Creates an endpoint of the account, with its signing secret. */
export async function createWebhookEndpoint(
  prisma: PrismaClient,
  serverKey: string | undefined,
  rules: WebhookRules,
  accountId: string,
  rawInput: unknown,
  commit?: CommitMark,
): Promise<CreatedWebhook> {
  const values = parseInput(createSchema(rules), rawInput);
  const key = requireServerKey(serverKey);
  const id = newId('whk');
  const secret = newSigningSecret();
  // Counted under the account's row lock, so two creates at once cannot both take the last place.
  const endpoint = await prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT "id" FROM "Account" WHERE "id" = ${accountId} FOR UPDATE`;
    const count = await tx.webhookEndpoint.count({ where: { accountId } });
    if (count >= L.perAccount) {
      throw invalidRequest([{ field: 'url', message: `an account may have at most ${L.perAccount} webhook endpoints` }]);
    }
    const created = await tx.webhookEndpoint.create({
      data: {
        id,
        accountId,
        url: values.url,
        events: values.events,
        description: values.description ?? null,
        enabled: values.enabled ?? true,
        secret: sealWebhookSecret(key, id, secret),
      },
    });
    if (commit) await commit(tx, { type: 'Webhook', id });
    return created;
  });
  return { endpoint, secret };
}

export function isWebhookId(id: string): boolean {
  return typeOfId(id) === 'Webhook';
}

/** Missing, or another account's: the same answer (never which). */
export function webhookNotFound(id: string): ApiError {
  return notFound('Webhook', id);
}

/** Test deliveries and redeliveries are refused while the endpoint is disabled. */
export function webhookDisabled(endpoint: Pick<WebhookEndpoint, 'id' | 'disabledReason'>): ApiError {
  return new ApiError(
    'WEBHOOK_DISABLED',
    `Webhook ${JSON.stringify(endpoint.id)} is disabled; enable it first`,
    { id: endpoint.id, disabledReason: endpoint.disabledReason },
  );
}

/** The endpoint if it is the account's; otherwise NOT_FOUND. */
export async function getWebhookEndpoint(prisma: PrismaClient, accountId: string, id: string): Promise<WebhookEndpoint> {
  const endpoint = isWebhookId(id) ? await prisma.webhookEndpoint.findFirst({ where: { id, accountId } }) : null;
  if (!endpoint) throw webhookNotFound(id);
  return endpoint;
}

/** The account's endpoints, newest first (at most 16: counting them is cheap). */
export function listWebhookEndpoints(prisma: PrismaClient, accountId: string, args: PageArgs): Promise<Page<WebhookEndpoint>> {
  return paginate(args, idOrderedSource<WebhookEndpoint>(prisma.webhookEndpoint, { accountId }, isWebhookId));
}

// Nullable, then refused when null: a value is checked by `schema` itself, so its errors keep their paths.
const notNull = <T extends z.ZodType>(schema: T) =>
  schema
    .nullable()
    .optional()
    .refine((v) => v !== null, 'cannot be null');

function updateSchema(rules: WebhookRules) {
  return z
    .object({
      url: notNull(outboundUrlSchema({ httpsOnly: !rules.allowPrivateNetworks })),
      events: notNull(eventsSchema),
      description: descriptionSchema.nullish(),
      enabled: notNull(z.boolean()),
    })
    .strict();
}

/**
 * PATCH: each field named replaces the stored one (`description: null` clears it). Disabling
 * fails the endpoint's pending deliveries; enabling clears why and since when it was disabled
 * or failing.
 */
export async function updateWebhookEndpoint(
  prisma: PrismaClient,
  rules: WebhookRules,
  accountId: string,
  id: string,
  rawInput: Record<string, unknown>,
  commit?: CommitMark,
): Promise<WebhookEndpoint> {
  const values = parseInput(updateSchema(rules), rawInput);
  if (!isWebhookId(id)) throw webhookNotFound(id);
  const now = new Date();
  const data: Prisma.WebhookEndpointUpdateManyMutationInput = { updatedAt: now };
  if (values.url !== undefined) data.url = values.url;
  if (values.events !== undefined) data.events = values.events;
  if (values.description !== undefined) data.description = values.description;
  if (values.enabled === true) Object.assign(data, { enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
  if (values.enabled === false) Object.assign(data, { enabled: false, disabledReason: null, disabledAt: now });
  const updated = await prisma.$transaction(async (tx) => {
    const current = await tx.webhookEndpoint.findFirst({ where: { id, accountId }, select: { enabled: true } });
    if (!current) return null;
    // Disabling an already disabled endpoint keeps why and when OrionOS disabled it.
    if (values.enabled === false && !current.enabled) {
      delete data.enabled;
      delete data.disabledReason;
      delete data.disabledAt;
    }
    const [row] = await tx.webhookEndpoint.updateManyAndReturn({ where: { id, accountId }, data });
    if (values.enabled === false) {
      await failPendingDeliveries(tx, id, now);
    }
    if (commit) await commit(tx, { type: 'Webhook', id });
    return row ?? null;
  });
  if (!updated) throw webhookNotFound(id);
  return updated;
}

/** A disabled endpoint's pending deliveries become `failed` (they can be redelivered once it is enabled). */
export async function failPendingDeliveries(tx: Prisma.TransactionClient, endpointId: string, at: Date): Promise<void> {
  await tx.webhookDelivery.updateMany({
    where: { endpointId, status: 'pending' },
    data: { status: 'failed', nextAttemptAt: null, updatedAt: at },
  });
}

/** Deletes the endpoint with its deliveries and their attempts. */
export async function deleteWebhookEndpoint(prisma: PrismaClient, accountId: string, id: string, commit?: CommitMark): Promise<void> {
  if (!isWebhookId(id)) throw webhookNotFound(id);
  const { count } = await withCommitMark(
    prisma,
    commit,
    { type: 'Webhook', id },
    (db) => db.webhookEndpoint.deleteMany({ where: { id, accountId } }),
    (result) => result.count > 0,
  );
  if (count === 0) throw webhookNotFound(id);
}

export type RotatedWebhookSecret = {
  endpoint: WebhookEndpoint;
  /** The new secret, answered this once. */
  secret: string;
  /** Until when the replaced secret keeps signing beside the new one. */
  previousSecretExpiresAt: Date;
};

/**
 * A new signing secret; the replaced one (kept sealed) signs beside it for 24 h, so receivers
 * can switch without losing a delivery. A second rotation within the 24 h drops the oldest.
 */
export async function rotateWebhookSecret(
  prisma: PrismaClient,
  serverKey: string | undefined,
  accountId: string,
  id: string,
  commit?: CommitMark,
): Promise<RotatedWebhookSecret> {
  if (!isWebhookId(id)) throw webhookNotFound(id);
  const key = requireServerKey(serverKey);
  const secret = newSigningSecret();
  const now = new Date();
  const previousSecretExpiresAt = new Date(now.getTime() + PREVIOUS_SECRET_VALIDITY_MS);
  const endpoint = await prisma.$transaction(async (tx) => {
    // Locks the row: of two concurrent rotations, the second keeps the first one's secret.
    const locked = await tx.$queryRaw<{ secret: string }[]>`
      SELECT "secret" FROM "WebhookEndpoint" WHERE "id" = ${id} AND "accountId" = ${accountId} FOR UPDATE`;
    if (!locked[0]) return null;
    const row = await tx.webhookEndpoint.update({
      where: { id },
      data: {
        secret: sealWebhookSecret(key, id, secret),
        previousSecret: locked[0].secret,
        previousSecretExpiresAt,
        updatedAt: now,
      },
    });
    if (commit) await commit(tx, { type: 'Webhook', id });
    return row;
  });
  if (!endpoint) throw webhookNotFound(id);
  return { endpoint, secret, previousSecretExpiresAt };
}
