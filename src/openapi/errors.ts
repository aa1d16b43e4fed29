import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import { SCOPES } from '../services/scopes.js';
import type { JsonSchema } from './types.js';

/**
 * What each error code means and what its `details` hold. Typed by `ErrorCode`, so a code added
 * to src/errors.ts does not compile until it is documented here.
 */
export const ERROR_DOCS: Record<ErrorCode, { when: string; details: JsonSchema; example: { message: string; details: Record<string, unknown> } }> = {
  INVALID_REQUEST: {
    when: 'Malformed JSON, not `application/json`, wrong types, bad parameters or unknown fields.',
    example: { message: 'Invalid request: name: Expected a string of 1–100 characters.', details: { fields: [{ field: 'name', message: 'Expected a string of 1–100 characters.' }] } },
    details: {
      type: 'object',
      properties: {
        fields: {
          type: 'array',
          description: 'Each offending field (a body field by its path, a parameter by its name) and why.',
          items: { $ref: '#/components/schemas/FieldError' },
        },
      },
    },
  },
  UNAUTHORIZED: {
    when: 'The API key is missing, malformed, unknown, revoked or expired (`WWW-Authenticate: Bearer`).',
    example: { message: 'Missing API key: send "Authorization: Bearer <API key>"', details: {} },
    details: { type: 'object' },
  },
  FORBIDDEN: {
    when: 'The API key lacks the scope the route needs (`details.requiredScope`), or would grant scopes it does not have.',
    example: { message: 'This API key lacks the "agents:write" scope', details: { requiredScope: 'agents:write' } },
    details: {
      type: 'object',
      properties: {
        requiredScope: { type: 'string', enum: [...SCOPES], description: 'The scope that was missing.' },
        scopes: { type: 'array', items: { type: 'string' }, description: 'Every scope that could not be granted.' },
      },
      required: ['requiredScope'],
    },
  },
  AGENT_NOT_FOUND: {
    when: 'No such agent in your account (an agent of another account is not found either).',
    example: { message: 'Agent "agt_01JD4S9X6Q0M4W2T8ZK7Y3N5HB" was not found', details: { id: 'agt_01JD4S9X6Q0M4W2T8ZK7Y3N5HB' } },
    details: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  },
  NOT_FOUND: {
    when: 'Any other missing resource (a conversation, an API key, an account), or no such route.',
    example: { message: 'Conversation "cnv_01JD4S9X6Q0M4W2T8ZK7Y3N5HB" was not found', details: { id: 'cnv_01JD4S9X6Q0M4W2T8ZK7Y3N5HB' } },
    details: { type: 'object', properties: { id: { type: 'string' } } },
  },
  METHOD_NOT_ALLOWED: {
    when: 'A known path with a method it does not have (the `Allow` header lists those it has).',
    example: { message: 'PUT is not allowed on /v1/agents; allowed: GET, POST, HEAD, OPTIONS', details: { allowed: ['GET', 'POST', 'HEAD', 'OPTIONS'] } },
    details: {
      type: 'object',
      properties: { allowed: { type: 'array', items: { type: 'string' } } },
      required: ['allowed'],
    },
  },
  IDEMPOTENCY_CONFLICT: {
    when: 'The `Idempotency-Key` was used before with a different request, or that request is still in progress.',
    example: { message: 'This Idempotency-Key was used with a different request.', details: { idempotencyKey: '4f1c2a9e-6d0b-4a51-9a5e-0d9c6c3b2f10' } },
    details: { type: 'object', properties: { idempotencyKey: { type: 'string' } } },
  },
  CHARACTER_IN_USE: {
    when: 'The character is used by agents; delete with `force=true` to detach them (they keep no character).',
    example: { message: 'The character is used by 2 agents.', details: { id: 'chr_01JD4S9X6Q0M4W2T8ZK7Y3N5HB', agents: 2 } },
    details: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        agents: { type: 'integer', minimum: 1, description: 'How many agents use the character.' },
      },
      required: ['agents'],
    },
  },
  ALREADY_EXISTS: {
    when: 'A name that must be unique is taken (e.g. another tool of the agent has it); nothing changed.',
    example: { message: 'A tool named get_weather already exists.', details: { field: 'name', name: 'get_weather' } },
    details: {
      type: 'object',
      properties: {
        field: { type: 'string', description: 'The field whose value is taken.' },
        name: { type: 'string', description: 'The value.' },
      },
      required: ['field'],
    },
  },
  WEBHOOK_DISABLED: {
    when: 'The webhook endpoint is disabled (by you, or by OrionOS after a 410 or days of failures): enable it first (PATCH `enabled: true`); nothing changed.',
    example: { message: 'The webhook endpoint is disabled.', details: { id: 'whk_01JD4S9X6Q0M4W2T8ZK7Y3N5HB', disabledReason: 'endpoint_gone' } },
    details: {
      type: 'object',
      properties: {
        id: { type: 'string', description: 'The endpoint’s ID (`whk_…`).' },
        disabledReason: {
          type: ['string', 'null'],
          enum: ['endpoint_gone', 'failing', null],
          description: 'Why OrionOS disabled it; null when its owner did.',
        },
      },
      required: ['id', 'disabledReason'],
    },
  },
  PAYLOAD_TOO_LARGE: {
    when: 'The request body is over the limit (1 MiB by default).',
    example: { message: 'The request body is larger than the limit', details: { limitBytes: 1048576 } },
    details: { type: 'object', properties: { limitBytes: { type: 'integer' } } },
  },
  RATE_LIMIT_EXCEEDED: {
    when: "Too many requests this minute for the account's tier (or, without a valid key, for the client address).",
    example: { message: 'Rate limit exceeded. Try again in 12 seconds.', details: { retryAfter: 12, limit: 60 } },
    details: {
      type: 'object',
      properties: {
        retryAfter: { type: 'integer', minimum: 0, description: 'Seconds to wait, as in `Retry-After`.' },
        limit: { type: 'integer', description: 'Requests allowed per minute.' },
      },
      required: ['retryAfter'],
    },
  },
  INSUFFICIENT_QUOTA: {
    when: "The account's monthly message quota is used up.",
    example: { message: 'The monthly message quota is used up.', details: { quota: 10000, used: 10000, resetsAt: '2026-12-01T00:00:00.000Z' } },
    details: {
      type: 'object',
      properties: {
        quota: { type: 'integer' },
        used: { type: 'integer' },
        resetsAt: { type: 'string', format: 'date-time', description: 'When the next calendar month (UTC) starts.' },
      },
      required: ['quota', 'used', 'resetsAt'],
    },
  },
  INTERNAL_ERROR: {
    when: 'Something unexpected; the message is generic and the error is logged with the request id.',
    example: { message: 'An unexpected error occurred', details: {} },
    details: { type: 'object' },
  },
  MODEL_ERROR: {
    when: 'The model provider failed or returned garbage.',
    example: { message: 'The model provider failed.', details: { provider: 'openai', providerStatus: 500 } },
    details: {
      type: 'object',
      properties: {
        provider: { type: 'string', enum: ['local', 'openai', 'anthropic'] },
        providerStatus: { type: 'integer', description: "The provider's HTTP status, when it gave one." },
      },
    },
  },
  AGENT_UNAVAILABLE: {
    when: 'The agent is paused, its model provider is not configured, or the model did not answer in time.',
    example: { message: 'The agent is paused.', details: { reason: 'paused' } },
    details: {
      type: 'object',
      properties: {
        reason: { type: 'string', enum: ['paused', 'provider_not_configured', 'timeout'] },
        provider: { type: 'string' },
      },
      required: ['reason'],
    },
  },
  SERVICE_UNAVAILABLE: {
    when: 'The database is unreachable, or the server is shutting down; try again shortly.',
    example: { message: 'The database is unavailable; try again shortly', details: { reason: 'database_unavailable' } },
    details: { type: 'object', properties: { reason: { type: 'string' } } },
  },
};

/** `INVALID_REQUEST` → `InvalidRequestError`: the component name of one code's error object. */
export function errorComponentName(code: ErrorCode): string {
  return `${code
    .toLowerCase()
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')}Error`;
}

/** One code's error object: `{code, message, details, requestId}`. */
export function errorObjectSchema(code: ErrorCode): JsonSchema {
  return {
    type: 'object',
    description: `HTTP ${ERROR_STATUS[code]}. ${ERROR_DOCS[code].when}`,
    properties: {
      code: { type: 'string', const: code },
      message: { type: 'string', description: 'For people; do not parse it.' },
      details: ERROR_DOCS[code].details,
      requestId: { type: 'string', description: 'The `X-Request-Id` of the request: quote it when you ask for help.' },
    },
    required: ['code', 'message', 'details', 'requestId'],
    additionalProperties: false,
  };
}
