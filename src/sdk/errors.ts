// Typed exceptions: every failed call throws an OrionOSError (or one of its subclasses) carrying
// the API's error code, HTTP status, message, details and request id.
import { ERROR_STATUS, type ErrorCode } from '../error-codes.js';

export type { ErrorCode };

/** Codes the SDK itself gives, when there is no API answer to read one from. */
export type ClientErrorCode =
  /** The request never got an HTTP answer (DNS, refused or reset connection...). */
  | 'CONNECTION_ERROR'
  /** No answer within timeoutMs (for a stream: no byte within timeoutMs). */
  | 'TIMEOUT'
  /** You aborted the call through its `signal`, or the stream through `abort()`. */
  | 'ABORTED'
  /** The server's answer was not the API's JSON envelope (e.g. a proxy's HTML error page). */
  | 'INVALID_RESPONSE'
  /** A stream ended before its `completed` event. */
  | 'STREAM_INTERRUPTED'
  /** `orion.webhooks.verify`: the delivery's signature or timestamp is not valid for the secret. */
  | 'WEBHOOK_VERIFICATION_FAILED';

export type OrionOSErrorCode = ErrorCode | ClientErrorCode;

/** The HTTP status of each API error code: the server's own table. */
export const STATUS_OF_CODE = ERROR_STATUS;

export type OrionOSErrorInit = {
  /** The API's error code; a code this SDK does not know yet is kept as it came. */
  code: OrionOSErrorCode | (string & {});
  message: string;
  status?: number | undefined;
  details?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
  headers?: Headers | undefined;
  /** The parsed body of the HTTP answer, when there was one. */
  body?: unknown;
  cause?: unknown;
};

/** Any failed call. `code` tells what happened; the subclasses add typed accessors. */
export class OrionOSError extends Error {
  /** The API's error code (`AGENT_NOT_FOUND`, `RATE_LIMIT_EXCEEDED`...) or a ClientErrorCode. */
  readonly code: OrionOSErrorCode | (string & {});
  /** The HTTP status (undefined when there was no HTTP answer). */
  readonly status: number | undefined;
  readonly details: Record<string, unknown>;
  /** The server's request id (`req_…`): quote it when asking for support. */
  readonly requestId: string | undefined;
  readonly headers: Headers | undefined;
  /**
   * The HTTP answer, shaped like an HTTP client's error response (`error.response.status`,
   * `error.response.data.error.details`), as the API overview's retry snippet reads it.
   */
  readonly response: { status: number; headers: Headers; data: unknown } | undefined;

  constructor(init: OrionOSErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = init.code;
    this.status = init.status;
    this.details = init.details ?? {};
    this.requestId = init.requestId;
    this.headers = init.headers;
    this.response =
      init.status !== undefined && init.headers ? { status: init.status, headers: init.headers, data: init.body } : undefined;
  }

  /** The error for an API error object (`{code, message, details, requestId}`), as its subclass. */
  static from(init: OrionOSErrorInit): OrionOSError {
    const Class = ERROR_CLASSES[init.code as ErrorCode] ?? OrionOSError;
    return new Class(init);
  }
}

/** 400 INVALID_REQUEST: `fields` names each offending field. */
export class InvalidRequestError extends OrionOSError {
  get fields(): { field: string; message: string }[] {
    const fields = this.details['fields'];
    return Array.isArray(fields) ? (fields as { field: string; message: string }[]) : [];
  }
}

/** 401 UNAUTHORIZED: missing, malformed, unknown, revoked or expired API key. */
export class AuthenticationError extends OrionOSError {}

/** 403 FORBIDDEN: the key lacks `requiredScope`. */
export class PermissionDeniedError extends OrionOSError {
  get requiredScope(): string | undefined {
    const scope = this.details['requiredScope'];
    return typeof scope === 'string' ? scope : undefined;
  }
}

/** 404 AGENT_NOT_FOUND or NOT_FOUND. */
export class NotFoundError extends OrionOSError {}

/** 409 IDEMPOTENCY_CONFLICT: the Idempotency-Key was used with another body, or is still in flight. */
export class IdempotencyConflictError extends OrionOSError {}

/** 409 ALREADY_EXISTS: a name that must be unique is taken (`details.field` says which field). */
export class ConflictError extends OrionOSError {
  get field(): string | undefined {
    return typeof this.details['field'] === 'string' ? this.details['field'] : undefined;
  }
}

/** 409 WEBHOOK_DISABLED: test events and redeliveries wait until the endpoint is enabled again. */
export class WebhookDisabledError extends OrionOSError {
  /** Why OrionOS disabled it (`endpoint_gone`, `failing`); null when its owner did. */
  get disabledReason(): string | null | undefined {
    const reason = this.details['disabledReason'];
    return typeof reason === 'string' || reason === null ? reason : undefined;
  }
}

/** 409 CHARACTER_IN_USE: agents use the character (`details.agents`); delete with force to detach them. */
export class CharacterInUseError extends OrionOSError {
  get agents(): number | undefined {
    return typeof this.details['agents'] === 'number' ? this.details['agents'] : undefined;
  }
}

/** Reads `Retry-After` (seconds or an HTTP date) or `details.retryAfter`, in seconds. */
export function retryAfterSeconds(error: OrionOSError): number | undefined {
  const header = error.headers?.get('retry-after');
  if (header != null && header.trim() !== '') {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, (date - Date.now()) / 1000);
  }
  const detail = error.details['retryAfter'];
  return typeof detail === 'number' && Number.isFinite(detail) && detail >= 0 ? detail : undefined;
}

/** 429 RATE_LIMIT_EXCEEDED: too many requests this minute; retried automatically. */
export class RateLimitError extends OrionOSError {
  /** Seconds to wait before trying again (`Retry-After`, or `details.retryAfter`). */
  get retryAfter(): number | undefined {
    return retryAfterSeconds(this);
  }
}

/** 429 INSUFFICIENT_QUOTA: the monthly message quota is used up; never retried. */
export class QuotaExceededError extends OrionOSError {
  get quota(): number | undefined {
    return typeof this.details['quota'] === 'number' ? this.details['quota'] : undefined;
  }
  get used(): number | undefined {
    return typeof this.details['used'] === 'number' ? this.details['used'] : undefined;
  }
  /** When the quota starts again (ISO 8601). */
  get resetsAt(): string | undefined {
    return typeof this.details['resetsAt'] === 'string' ? this.details['resetsAt'] : undefined;
  }
}

/** 500 INTERNAL_ERROR. */
export class InternalServerError extends OrionOSError {}

/** 502 MODEL_ERROR: the agent's model provider failed or answered garbage. */
export class ModelError extends OrionOSError {}

/** 503 AGENT_UNAVAILABLE: `reason` is `paused`, `provider_not_configured` or `timeout`. */
export class AgentUnavailableError extends OrionOSError {
  get reason(): string | undefined {
    return typeof this.details['reason'] === 'string' ? this.details['reason'] : undefined;
  }
}

/** 503 SERVICE_UNAVAILABLE: the server is shutting down or its database is unreachable. */
export class ServiceUnavailableError extends OrionOSError {}

/** No HTTP answer: the connection failed (`cause` has the underlying error). */
export class APIConnectionError extends OrionOSError {}

/** No answer within timeoutMs. */
export class APITimeoutError extends APIConnectionError {}

/** The call was aborted through its `signal` (or a stream's `abort()`). Never retried. */
export class APIUserAbortError extends OrionOSError {}

const ERROR_CLASSES: Partial<Record<ErrorCode, new (init: OrionOSErrorInit) => OrionOSError>> = {
  INVALID_REQUEST: InvalidRequestError,
  UNAUTHORIZED: AuthenticationError,
  FORBIDDEN: PermissionDeniedError,
  AGENT_NOT_FOUND: NotFoundError,
  NOT_FOUND: NotFoundError,
  IDEMPOTENCY_CONFLICT: IdempotencyConflictError,
  CHARACTER_IN_USE: CharacterInUseError,
  ALREADY_EXISTS: ConflictError,
  WEBHOOK_DISABLED: WebhookDisabledError,
  RATE_LIMIT_EXCEEDED: RateLimitError,
  INSUFFICIENT_QUOTA: QuotaExceededError,
  INTERNAL_ERROR: InternalServerError,
  MODEL_ERROR: ModelError,
  AGENT_UNAVAILABLE: AgentUnavailableError,
  SERVICE_UNAVAILABLE: ServiceUnavailableError,
};
