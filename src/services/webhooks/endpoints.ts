import { z } from 'zod';
import type { PrismaClient } from '../../db/client.js';
import type { WebhookEndpoint } from '../../db/generated/prisma/client.js';
import { invalidRequest } from '../../errors.js';
import { newId } from '../../ids.js';
import { withCommitMark, type CommitMark } from '../idempotency.js';
import { outboundUrlSchema } from '../outbound/url.js';
import { requireServerKey } from '../server-key.js';
import { newSigningSecret } from '../signing-secret.js';
import { parseInput } from '../validation.js';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES, isWebhookEventType } from './event-types.js';
import { sealWebhookSecret } from './secrets.js';

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
  const count = await prisma.webhookEndpoint.count({ where: { accountId } });
  if (count >= L.perAccount) {
    throw invalidRequest([{ field: 'url', message: `an account may have at most ${L.perAccount} webhook endpoints` }]);
  }
  const id = newId('whk');
  const secret = newSigningSecret();
  const endpoint = await withCommitMark(prisma, commit, { type: 'Webhook', id }, (db) =>
    db.webhookEndpoint.create({
      data: {
        id,
        accountId,
        url: values.url,
        events: values.events,
        description: values.description ?? null,
        enabled: values.enabled ?? true,
        secret: sealWebhookSecret(key, id, secret),
      },
    }),
  );
  return { endpoint, secret };
}
