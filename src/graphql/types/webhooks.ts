import type { PageArgs } from '../../services/pagination.js';
import {
  deliveriesOfEndpoint,
  getDelivery,
  redeliverWebhookDelivery,
  sendTestWebhook,
} from '../../services/webhooks/deliveries.js';
import {
  WEBHOOK_LIMITS as L,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type CreatedWebhook,
  type RotatedWebhookSecret,
  type WebhookRules,
} from '../../services/webhooks/endpoints.js';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from '../../services/webhooks/event-types.js';
import type { GraphQLContext } from '../context.js';
import { builder, requireKey } from '../builder.js';
import { connectionOf, edgeOf, pageArgs, toConnection } from '../pagination.js';

const manage = { scope: 'webhooks:manage' } as const;

const accountOf = (ctx: GraphQLContext) => requireKey(ctx).account.id;
const rulesOf = (ctx: GraphQLContext): WebhookRules => ({ allowPrivateNetworks: ctx.messaging.allowPrivateNetworks ?? false });

const EVENT_LIST = `${WEBHOOK_EVENT_TYPES.join(', ')}; or "${ALL_EVENTS}" for every type, including those added later`;

const WebhookDeliveryStatus = builder.enumType('WebhookDeliveryStatus', {
  description: 'Where a delivery stands.',
  values: {
    pending: { description: 'Waiting for its next attempt (or being attempted).' },
    succeeded: { description: 'The endpoint answered 2xx.' },
    failed: { description: 'No attempt is left, or its endpoint was disabled (a redelivery makes it pending again).' },
  } as const,
});

builder.prismaNode('WebhookEvent', {
  description:
    'Something that happened in your account (`evt_…`): what a delivery POSTs, as `{id, type, createdAt, data}`. Its ID is the `webhook-id` header of every attempt, the same on retries.',
  id: { field: 'id', description: 'The event’s ID (`evt_…`).' },
  nullable: true,
  // node(id:) only finds events of the caller's account.
  findUnique: (id, ctx) => ({ id, accountId: accountOf(ctx) }),
  fields: (t) => ({
    type: t.exposeString('type', { description: `The event type: ${WEBHOOK_EVENT_TYPES.join(', ')}.` }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it happened.' }),
    data: t.field({
      type: 'JSON',
      description: 'The resource as REST returns it (for webhook.test: `{webhookId}`).',
      resolve: (event) => event.data,
    }),
  }),
});

const WebhookAttemptRef = builder.prismaObject('WebhookAttempt', {
  description: 'One POST of a delivery to its endpoint, and what came of it.',
  fields: (t) => ({
    number: t.exposeInt('number', { description: 'Its number among the delivery’s attempts, from 1 (redeliveries continue the count).' }),
    at: t.expose('at', { type: 'DateTime', description: 'When it was made.' }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'The HTTP status the endpoint answered; null when none came.' }),
    latencyMs: t.exposeInt('latencyMs', { description: 'How long the endpoint took to answer (or until the attempt gave up).' }),
    error: t.exposeString('error', {
      nullable: true,
      description: 'What went wrong ("timeout", "network: …", "status 500", …); null after a 2xx.',
    }),
  }),
});

export const WebhookDeliveryRef = builder.prismaNode('WebhookDelivery', {
  description: 'One event on its way to one endpoint (`dlv_…`): attempted until a 2xx, on a growing schedule.',
  id: { field: 'id', description: 'The delivery’s ID (`dlv_…`).' },
  nullable: true,
  // node(id:) only finds deliveries of the caller's account.
  findUnique: (id, ctx) => ({ id, accountId: accountOf(ctx) }),
  fields: (t) => ({
    webhookId: t.exposeID('endpointId', { description: 'The endpoint it goes to (`whk_…`).' }),
    event: t.relation('event', { description: 'The event it carries.' }),
    status: t.expose('status', { type: WebhookDeliveryStatus, description: 'Pending, succeeded or failed.' }),
    attemptCount: t.exposeInt('attemptCount', { description: 'How many attempts were made.' }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it is next attempted (while pending); null once it succeeded or failed.',
    }),
    attempts: t.relation('attempts', {
      description: 'Every attempt, oldest first.',
      query: { orderBy: { number: 'asc' } },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the event was recorded for this endpoint.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When its status last changed.' }),
  }),
});

export const WebhookRef = builder.prismaNode('WebhookEndpoint', {
  name: 'Webhook',
  description:
    'A webhook endpoint (`whk_…`): OrionOS POSTs the events it subscribes to, signed per Standard Webhooks with its secret. The secret is never readable here: it is answered once, by createWebhook and rotateWebhookSecret.',
  id: { field: 'id', description: 'The endpoint’s ID (`whk_…`).' },
  nullable: true,
  // node(id:) only finds endpoints of the caller's account.
  findUnique: (id, ctx) => ({ id, accountId: accountOf(ctx) }),
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Where events are POSTed.' }),
    events: t.exposeStringList('events', { description: `The event types it receives: ${EVENT_LIST}.` }),
    description: t.exposeString('description', { nullable: true, description: 'Your note about it.' }),
    enabled: t.exposeBoolean('enabled', { description: 'A disabled endpoint receives nothing; its pending deliveries failed when it was disabled.' }),
    disabledReason: t.exposeString('disabledReason', {
      nullable: true,
      description:
        'Why OrionOS disabled it: "endpoint_gone" (it answered 410) or "failing" (every attempt failed for 3 days); null when enabled or disabled by you.',
    }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true, description: 'When it was disabled; null while enabled.' }),
    previousSecretExpiresAt: t.expose('previousSecretExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Until when the secret replaced by the last rotation still signs deliveries beside the current one; null before any rotation.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    deliveries: t.connection(
      {
        type: WebhookDeliveryRef,
        description: 'Its deliveries, newest first, each with its event and attempts.',
        args: pageArgs(t),
        resolve: async (endpoint, args, ctx) => toConnection(await deliveriesOfEndpoint(ctx.prisma, endpoint.id, args as PageArgs)) as never,
      },
      connectionOf('WebhookDeliveryConnection', 'webhook deliveries'),
      edgeOf('delivery'),
    ),
    delivery: t.field({
      type: WebhookDeliveryRef,
      description: 'One of its deliveries (NOT_FOUND when it has none with this ID).',
      args: { id: t.arg.id({ required: true, description: 'The delivery’s ID (`dlv_…`).' }) },
      resolve: (endpoint, { id }, ctx) => getDelivery(ctx.prisma, endpoint.accountId, String(id), endpoint.id),
    }),
  }),
});

const webhookInputFields = (t: any, create: boolean) => ({
  url: t.string({
    required: create,
    description:
      'Where to POST events: an absolute https:// URL without credentials (http:// and private addresses only when the operator allows private networks).',
  }),
  events: t.stringList({ required: create, description: `At least one event type: ${EVENT_LIST}.` }),
  description: t.string({ description: `Your note about it, at most ${L.description} characters${create ? '' : '; null clears it'}.` }),
  enabled: t.boolean({
    description: create
      ? 'Default true.'
      : 'false disables it (its pending deliveries fail); true enables it again and clears disabledReason and disabledAt.',
  }),
});

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  description: `A new webhook endpoint (at most ${L.perAccount} per account).`,
  fields: (t) => webhookInputFields(t, true),
});

const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', {
  description: 'Each field given replaces the stored one.',
  fields: (t) => webhookInputFields(t, false),
});

const CreateWebhookPayload = builder.objectRef<CreatedWebhook>('CreateWebhookPayload').implement({
  description: 'The new endpoint and its signing secret.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, nullable: false, description: 'The endpoint.', resolve: (r) => r.endpoint }),
    secret: t.exposeString('secret', {
      description: 'Its signing secret (`whsec_…`), shown this once: store it now. Verify deliveries with it (Standard Webhooks).',
    }),
  }),
});

const RotateWebhookSecretPayload = builder.objectRef<RotatedWebhookSecret>('RotateWebhookSecretPayload').implement({
  description: 'The endpoint’s new signing secret.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, nullable: false, description: 'The endpoint.', resolve: (r) => r.endpoint }),
    secret: t.exposeString('secret', { description: 'The new signing secret (`whsec_…`), shown this once: store it now.' }),
    previousSecretExpiresAt: t.expose('previousSecretExpiresAt', {
      type: 'DateTime',
      description: 'Until then (24 h) deliveries carry signatures with the old secret as well, so receivers can switch without losing one.',
    }),
  }),
});

const DeleteWebhookPayload = builder.objectRef<{ deletedId: string; deleted: boolean }>('DeleteWebhookPayload').implement({
  description: 'What was deleted.',
  fields: (t) => ({
    deletedId: t.exposeID('deletedId', { description: 'The ID of the deleted endpoint.' }),
    deleted: t.exposeBoolean('deleted', { description: 'Always true.' }),
  }),
});

const webhookIdArg = (t: any) => t.arg.id({ required: true, description: 'The endpoint’s ID (`whk_…`).' });

builder.queryFields((t) => ({
  webhook: t.field({
    type: WebhookRef,
    description: 'One webhook endpoint of your account.',
    authScopes: manage,
    args: { id: webhookIdArg(t) },
    resolve: (_root, { id }, ctx) => getWebhookEndpoint(ctx.prisma, accountOf(ctx), String(id)),
  }),
  webhooks: t.connection(
    {
      type: WebhookRef,
      description: 'Your webhook endpoints, newest first.',
      authScopes: manage,
      args: pageArgs(t),
      resolve: async (_root, args, ctx) => toConnection(await listWebhookEndpoints(ctx.prisma, accountOf(ctx), args as PageArgs)) as never,
    },
    connectionOf('WebhookConnection', 'webhook endpoints'),
    edgeOf('webhook endpoint'),
  ),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: CreateWebhookPayload,
    description: 'Creates an endpoint; its signing secret is answered this once.',
    authScopes: manage,
    args: { input: t.arg({ type: CreateWebhookInput, required: true, description: 'The endpoint.' }) },
    resolve: (_root, { input }, ctx) =>
      createWebhookEndpoint(ctx.prisma, ctx.serverKey, rulesOf(ctx), accountOf(ctx), input, ctx.idempotency?.commit),
  }),
  updateWebhook: t.field({
    type: WebhookRef,
    nullable: false,
    description: 'Changes an endpoint: each field given replaces the stored one.',
    authScopes: manage,
    args: { id: webhookIdArg(t), input: t.arg({ type: UpdateWebhookInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { id, input }, ctx) =>
      updateWebhookEndpoint(ctx.prisma, rulesOf(ctx), accountOf(ctx), String(id), input as Record<string, unknown>, ctx.idempotency?.commit),
  }),
  deleteWebhook: t.field({
    type: DeleteWebhookPayload,
    description: 'Deletes an endpoint with its deliveries: nothing more is sent to it.',
    authScopes: manage,
    args: { id: webhookIdArg(t) },
    resolve: async (_root, { id }, ctx) => {
      await deleteWebhookEndpoint(ctx.prisma, accountOf(ctx), String(id), ctx.idempotency?.commit);
      return { deletedId: String(id), deleted: true };
    },
  }),
  rotateWebhookSecret: t.field({
    type: RotateWebhookSecretPayload,
    description: 'Makes a new signing secret, answered this once; the old one keeps signing beside it for 24 hours.',
    authScopes: manage,
    args: { id: webhookIdArg(t) },
    resolve: (_root, { id }, ctx) => rotateWebhookSecret(ctx.prisma, ctx.serverKey, accountOf(ctx), String(id), ctx.idempotency?.commit),
  }),
  sendTestWebhook: t.field({
    type: WebhookDeliveryRef,
    nullable: false,
    description:
      'Sends the endpoint a `webhook.test` event (data `{webhookId}`), whatever it subscribes to: answers its pending delivery. WEBHOOK_DISABLED while the endpoint is disabled.',
    authScopes: manage,
    args: { id: webhookIdArg(t) },
    resolve: (_root, { id }, ctx) => sendTestWebhook(ctx.prisma, accountOf(ctx), String(id), ctx.idempotency?.commit),
  }),
  redeliverWebhookDelivery: t.field({
    type: WebhookDeliveryRef,
    nullable: false,
    description:
      'Makes a delivery pending again, attempted at once (its attempts are kept). WEBHOOK_DISABLED while its endpoint is disabled.',
    authScopes: manage,
    args: {
      id: t.arg.id({ required: true, description: 'The delivery’s ID (`dlv_…`).' }),
      webhookId: t.arg.id({ description: 'When given, the delivery must be this endpoint’s (NOT_FOUND otherwise).' }),
    },
    resolve: (_root, { id, webhookId }, ctx) =>
      redeliverWebhookDelivery(ctx.prisma, accountOf(ctx), String(id), webhookId == null ? undefined : String(webhookId), ctx.idempotency?.commit),
  }),
}));
