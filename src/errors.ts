import { GraphQLError } from 'graphql';
import { ERROR_STATUS, type ErrorCode } from './error-codes.js';

export { ERROR_STATUS, type ErrorCode };

export type FieldError = { field: string; message: string };
export type ErrorDetails = Record<string, unknown>;

/** What a client is told about an error, in either protocol. */
export type PublicError = { code: ErrorCode; message: string; details: ErrorDetails };

export const UNEXPECTED_ERROR: PublicError = {
  code: 'INTERNAL_ERROR',
  message: 'An unexpected error occurred',
  details: {},
};

export const DATABASE_UNAVAILABLE: PublicError = {
  code: 'SERVICE_UNAVAILABLE',
  message: 'The database is unavailable; try again shortly',
  details: { reason: 'database_unavailable' },
};

export const SHUTTING_DOWN: PublicError = {
  code: 'SERVICE_UNAVAILABLE',
  message: 'The server is shutting down',
  details: { reason: 'shutting_down' },
};

/** Seconds a client should wait before retrying a SERVICE_UNAVAILABLE (overload, outage). */
export const SERVICE_RETRY_AFTER_SECONDS = 1;

/** Headers every response with this code carries, in either protocol. */
export function headersForCode(code: ErrorCode): Record<string, string> {
  if (code === 'UNAUTHORIZED') return { 'WWW-Authenticate': 'Bearer' };
  if (code === 'SERVICE_UNAVAILABLE') return { 'Retry-After': String(SERVICE_RETRY_AFTER_SECONDS) };
  return {};
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
}

/**
 * An error a client is meant to see. It is a GraphQLError so Yoga passes it through unmasked;
 * `extensions.http` sets the status of a /graphql response (Yoga strips it from the body).
 */
export class ApiError extends GraphQLError {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  readonly status: number;

  constructor(
    code: ErrorCode,
    message: string,
    details: ErrorDetails = {},
    headers?: Record<string, string>,
  ) {
    const status = ERROR_STATUS[code];
    super(message, {
      extensions: { code, details, http: { status, ...(headers ? { headers } : {}) } },
    });
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
    this.status = status;
  }
}

/** Field errors listed in one error's `details.fields`; a longer list is cut, and says so. */
export const MAX_LISTED_FIELDS = 20;

export function invalidRequest(fields: FieldError[], message?: string): ApiError {
  const listed = fields.slice(0, MAX_LISTED_FIELDS);
  const summary =
    message ??
    (fields.length > listed.length
      ? `Invalid request: more than ${listed.length} fields are invalid (the first ${listed.length} are listed)`
      : `Invalid request: ${fields
          .slice(0, 3)
          .map((f) => `${f.field}: ${f.message}`)
          .join('; ')}${fields.length > 3 ? `; and ${fields.length - 3} more` : ''}`);
  return new ApiError('INVALID_REQUEST', summary, { fields: listed });
}

export function agentNotFound(id: string): ApiError {
  return new ApiError('AGENT_NOT_FOUND', `Agent ${JSON.stringify(id)} was not found`, { id });
}

export function notFound(what: string, id?: string): ApiError {
  return new ApiError(
    'NOT_FOUND',
    id === undefined ? `${what} was not found` : `${what} ${JSON.stringify(id)} was not found`,
    id === undefined ? {} : { id },
  );
}

export function payloadTooLarge(limitBytes?: number): ApiError {
  return new ApiError(
    'PAYLOAD_TOO_LARGE',
    'The request body is larger than the limit',
    limitBytes === undefined ? {} : { limitBytes },
  );
}

export function unauthorized(message: string): ApiError {
  return new ApiError('UNAUTHORIZED', message, {}, { 'WWW-Authenticate': 'Bearer' });
}

export function forbidden(scope: string): ApiError {
  return new ApiError('FORBIDDEN', `This API key lacks the "${scope}" scope`, {
    requiredScope: scope,
  });
}
