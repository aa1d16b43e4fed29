// Webhook endpoints (one method per route of src/rest/routes.ts) and the verification of the
// deliveries they receive, with the standardwebhooks library (bundled into the package).
import { Webhook as StandardWebhook, WebhookVerificationError as LibraryVerificationError } from 'standardwebhooks';
import { OrionOSError } from './errors.js';
import type { HttpClient } from './http.js';
import type {
  ApiResponse,
  CreatedWebhook,
  DeletedWebhook,
  Page,
  PageParams,
  RequestOptions,
  RotatedWebhookSecret,
  Webhook,
  WebhookCreateParams,
  WebhookDelivery,
  WebhookEvent,
  WebhookUpdateParams,
} from './types.js';

/** Why a delivery failed verification. */
export type WebhookVerificationReason = 'missing_headers' | 'invalid_headers' | 'stale_timestamp' | 'bad_signature';

/**
 * A delivery that is not what OrionOS sent with this secret: answer it with a 4xx and ignore it.
 * `reason` says why (a stale timestamp: more than 5 minutes away from now).
 */
export class WebhookVerificationError extends OrionOSError {
  constructor(readonly reason: WebhookVerificationReason, message: string) {
    super({ code: 'WEBHOOK_VERIFICATION_FAILED', message, details: { reason } });
  }
}

/** The headers of the request a delivery came with: a Headers, or a plain object (Node's `req.headers`). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function signatureHeaders(headers: WebhookHeaders): Record<string, string> {
  const wanted = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];
  const found: Record<string, string> = {};
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).forEach === 'function') {
    for (const name of wanted) {
      const value = (headers as Headers).get(name);
      if (value !== null) found[name] = value;
    }
    return found;
  }
  for (const [name, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    const lower = name.toLowerCase();
    if (!wanted.includes(lower) || value === undefined) continue;
    found[lower] = Array.isArray(value) ? value.join(' ') : value;
  }
  return found;
}

function reasonOf(message: string): WebhookVerificationReason {
  if (message.startsWith('Missing required headers')) return 'missing_headers';
  if (message.startsWith('Message timestamp')) return 'stale_timestamp';
  if (message.startsWith('No matching signature')) return 'bad_signature';
  return 'invalid_headers';
}

/**
 * Verifies a delivery (Standard Webhooks) and answers its event. `body` is the raw request body,
 * exactly as received (a string or bytes: parsing and re-serializing JSON changes it); `secret`
 * the endpoint's `whsec_…`. While a rotated-out secret is still valid, deliveries carry a
 * signature with each secret, so either one verifies them.
 */
export function verifyWebhook(body: string | Uint8Array | ArrayBuffer, headers: WebhookHeaders, secret: string): WebhookEvent {
  if (typeof secret !== 'string' || secret === '') throw new TypeError('secret must be the endpoint’s signing secret (whsec_…)');
  const payload = typeof body === 'string' ? body : new TextDecoder().decode(body);
  let webhook: StandardWebhook;
  try {
    webhook = new StandardWebhook(secret);
  } catch (error) {
    throw new TypeError(`secret is not a signing secret (whsec_…): ${(error as Error).message}`);
  }
  try {
    return webhook.verify(payload, signatureHeaders(headers)) as WebhookEvent;
  } catch (error) {
    if (error instanceof LibraryVerificationError) throw new WebhookVerificationError(reasonOf(error.message), error.message);
    throw new WebhookVerificationError('bad_signature', `The body is not the signed JSON: ${(error as Error).message}`);
  }
}

/** A path segment from an id; an empty one would silently name another route. */
function id(name: string, value: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return encodeURIComponent(value);
}

const path = (webhookId: string) => `/webhooks/${id('webhookId', webhookId)}`;

/** Your webhook endpoints, their deliveries, and the verification of what they receive. */
export class Webhooks {
  constructor(private readonly http: HttpClient) {}

  /** POST /webhooks: the signing secret is in `data.secret`, shown this once. */
  create(params: WebhookCreateParams, options?: RequestOptions): Promise<ApiResponse<CreatedWebhook>> {
    return this.http.request({ method: 'POST', path: '/webhooks', body: params }, options);
  }

  /** GET /webhooks, newest first. */
  list(params: PageParams = {}, options?: RequestOptions): Promise<ApiResponse<Page<Webhook>>> {
    return this.http.request({ method: 'GET', path: '/webhooks', query: { page: params.page, limit: params.limit } }, options);
  }

  /** GET /webhooks/{webhookId}; NotFoundError if it is not one of yours. */
  get(webhookId: string, options?: RequestOptions): Promise<ApiResponse<Webhook>> {
    return this.http.request({ method: 'GET', path: path(webhookId) }, options);
  }

  /** PATCH /webhooks/{webhookId}: replaces each field given; `enabled: false` disables it. */
  update(webhookId: string, params: WebhookUpdateParams, options?: RequestOptions): Promise<ApiResponse<Webhook>> {
    return this.http.request({ method: 'PATCH', path: path(webhookId), body: params }, options);
  }

  /** DELETE /webhooks/{webhookId}. */
  delete(webhookId: string, options?: RequestOptions): Promise<ApiResponse<DeletedWebhook>> {
    return this.http.request({ method: 'DELETE', path: path(webhookId) }, options);
  }

  /** POST /webhooks/{webhookId}/rotate-secret: a new secret, shown once; the old one signs too for 24 h. */
  rotateSecret(webhookId: string, options?: RequestOptions): Promise<ApiResponse<RotatedWebhookSecret>> {
    return this.http.request({ method: 'POST', path: `${path(webhookId)}/rotate-secret` }, options);
  }

  /** POST /webhooks/{webhookId}/test: sends a `webhook.test` event; answers its pending delivery. */
  test(webhookId: string, options?: RequestOptions): Promise<ApiResponse<WebhookDelivery>> {
    return this.http.request({ method: 'POST', path: `${path(webhookId)}/test` }, options);
  }

  /**
   * GET /webhooks/{webhookId}/deliveries, newest first, each with its event and attempts; with a
   * `deliveryId`, GET /webhooks/{webhookId}/deliveries/{deliveryId} (that one delivery).
   */
  deliveries(webhookId: string, params?: PageParams, options?: RequestOptions): Promise<ApiResponse<Page<WebhookDelivery>>>;
  deliveries(webhookId: string, deliveryId: string, options?: RequestOptions): Promise<ApiResponse<WebhookDelivery>>;
  deliveries(
    webhookId: string,
    paramsOrId: PageParams | string = {},
    options?: RequestOptions,
  ): Promise<ApiResponse<Page<WebhookDelivery>> | ApiResponse<WebhookDelivery>> {
    if (typeof paramsOrId === 'string') {
      return this.http.request<WebhookDelivery>({ method: 'GET', path: `${path(webhookId)}/deliveries/${id('deliveryId', paramsOrId)}` }, options);
    }
    return this.http.request<Page<WebhookDelivery>>(
      { method: 'GET', path: `${path(webhookId)}/deliveries`, query: { page: paramsOrId.page, limit: paramsOrId.limit } },
      options,
    );
  }

  /** POST /webhooks/{webhookId}/deliveries/{deliveryId}/redeliver: pending again, attempted at once. */
  redeliver(webhookId: string, deliveryId: string, options?: RequestOptions): Promise<ApiResponse<WebhookDelivery>> {
    return this.http.request({ method: 'POST', path: `${path(webhookId)}/deliveries/${id('deliveryId', deliveryId)}/redeliver` }, options);
  }

  /**
   * Verifies a delivery your endpoint received and answers its event; throws a
   * WebhookVerificationError when the signature does not match the secret or the timestamp is
   * more than 5 minutes away. Pass the raw body, as received.
   */
  verify(body: string | Uint8Array | ArrayBuffer, headers: WebhookHeaders, secret: string): WebhookEvent {
    return verifyWebhook(body, headers, secret);
  }
}
