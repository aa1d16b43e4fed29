import type { PrismaClient } from '../../db/client.js';
import type { Prisma, WebhookDelivery } from '../../db/generated/prisma/client.js';
import { notFound, type ApiError } from '../../errors.js';
import { typeOfId } from '../../ids.js';
import type { CommitMark } from '../idempotency.js';
import { idOrderedSource, paginate, type Page, type PageArgs } from '../pagination.js';
import { getWebhookEndpoint, isWebhookId, webhookDisabled, webhookNotFound } from './endpoints.js';
import { recordEvent } from './outbox.js';

export type { WebhookDelivery };

export function isDeliveryId(id: string): boolean {
  return typeOfId(id) === 'WebhookDelivery';
}

function deliveryNotFound(id: string): ApiError {
  return notFound('WebhookDelivery', id);
}

type Tx = Prisma.TransactionClient;

/**
 * Locks the account's endpoint row for the rest of the transaction, so that a delivery made
 * pending here cannot slip past a concurrent disable (which fails pending deliveries under the
 * same lock). Undefined when the endpoint is not the account's.
 */
async function lockEndpoint(tx: Tx, accountId: string, id: string) {
  const rows = await tx.$queryRaw<{ id: string; enabled: boolean; disabledReason: string | null }[]>`
    SELECT "id", "enabled", "disabledReason" FROM "WebhookEndpoint" WHERE "id" = ${id} AND "accountId" = ${accountId} FOR UPDATE`;
  return rows[0];
}

/** The endpoint's deliveries, newest first. */
export function deliveriesOfEndpoint(prisma: PrismaClient, endpointId: string, args: PageArgs): Promise<Page<WebhookDelivery>> {
  return paginate(args, idOrderedSource<WebhookDelivery>(prisma.webhookDelivery, { endpointId }, isDeliveryId));
}

/** The endpoint's deliveries, when the endpoint is the account's (else NOT_FOUND). */
export async function listDeliveries(prisma: PrismaClient, accountId: string, endpointId: string, args: PageArgs) {
  await getWebhookEndpoint(prisma, accountId, endpointId);
  return deliveriesOfEndpoint(prisma, endpointId, args);
}

/**
 * The delivery, if it is the account's (and `endpointId`'s when given: REST names the endpoint
 * in the path, and a missing endpoint is NOT_FOUND for the endpoint); otherwise NOT_FOUND.
 */
export async function getDelivery(prisma: PrismaClient, accountId: string, id: string, endpointId?: string): Promise<WebhookDelivery> {
  if (endpointId !== undefined) await getWebhookEndpoint(prisma, accountId, endpointId);
  const delivery = isDeliveryId(id)
    ? await prisma.webhookDelivery.findFirst({ where: { id, accountId, ...(endpointId !== undefined ? { endpointId } : {}) } })
    : null;
  if (!delivery) throw deliveryNotFound(id);
  return delivery;
}

/**
 * Records a `webhook.test` event (data `{webhookId}`) for this endpoint alone, whatever it
 * subscribes to, with its one pending delivery. Refused while the endpoint is disabled.
 */
export async function sendTestWebhook(
  prisma: PrismaClient,
  accountId: string,
  endpointId: string,
  commit?: CommitMark,
): Promise<WebhookDelivery> {
  if (!isWebhookId(endpointId)) throw webhookNotFound(endpointId);
  return prisma.$transaction(async (tx) => {
    const endpoint = await lockEndpoint(tx, accountId, endpointId);
    if (!endpoint) throw webhookNotFound(endpointId);
    if (!endpoint.enabled) throw webhookDisabled(endpoint);
    const eventId = await recordEvent(tx, { accountId, type: 'webhook.test', data: () => ({ webhookId: endpointId }), endpointId });
    const delivery = await tx.webhookDelivery.findFirstOrThrow({ where: { eventId: eventId!, endpointId } });
    if (commit) await commit(tx, { type: 'WebhookDelivery', id: delivery.id });
    return delivery;
  });
}

/**
 * Makes the delivery pending again, due now (its attempts are kept and numbering continues).
 * Refused while its endpoint is disabled.
 */
export async function redeliverWebhookDelivery(
  prisma: PrismaClient,
  accountId: string,
  id: string,
  endpointId?: string,
  commit?: CommitMark,
): Promise<WebhookDelivery> {
  if (endpointId !== undefined && !isWebhookId(endpointId)) throw webhookNotFound(endpointId);
  if (!isDeliveryId(id)) {
    if (endpointId !== undefined) await getWebhookEndpoint(prisma, accountId, endpointId);
    throw deliveryNotFound(id);
  }
  return prisma.$transaction(async (tx) => {
    if (endpointId !== undefined && !(await lockEndpoint(tx, accountId, endpointId))) throw webhookNotFound(endpointId);
    const found = await tx.webhookDelivery.findFirst({
      where: { id, accountId, ...(endpointId !== undefined ? { endpointId } : {}) },
      select: { endpointId: true },
    });
    if (!found) throw deliveryNotFound(id);
    const endpoint = await lockEndpoint(tx, accountId, found.endpointId);
    if (!endpoint) throw deliveryNotFound(id);
    if (!endpoint.enabled) throw webhookDisabled(endpoint);
    const now = new Date();
    const delivery = await tx.webhookDelivery.update({ where: { id }, data: { status: 'pending', nextAttemptAt: now, updatedAt: now } });
    if (commit) await commit(tx, { type: 'WebhookDelivery', id });
    return delivery;
  });
}
