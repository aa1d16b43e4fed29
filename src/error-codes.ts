// No imports: the SDK reads this table too, without pulling in the server.

/** Every error code the API gives, with its HTTP status: the one table both protocols read. */
export const ERROR_STATUS = {
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  AGENT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  IDEMPOTENCY_CONFLICT: 409,
  CHARACTER_IN_USE: 409,
  ALREADY_EXISTS: 409,
  WEBHOOK_DISABLED: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMIT_EXCEEDED: 429,
  INSUFFICIENT_QUOTA: 429,
  INTERNAL_ERROR: 500,
  MODEL_ERROR: 502,
  AGENT_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
