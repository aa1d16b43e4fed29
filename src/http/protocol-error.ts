import type { Request, Response } from 'express';
import { ERROR_STATUS, headersForCode, type PublicError } from '../errors.js';
import { sendError } from '../rest/envelope.js';

/**
 * An error raised by the HTTP layer before GraphQL runs, in the caller's protocol: a GraphQL
 * response for /graphql, the REST envelope everywhere else. Same code, message and details.
 */
export function sendProtocolError(
  req: Request,
  res: Response,
  error: PublicError,
  headers: Record<string, string> = {},
): void {
  if (!req.originalUrl.startsWith('/graphql')) {
    sendError(res, error, headers);
    return;
  }
  const requestId = String(res.getHeader('X-Request-Id') ?? '');
  res
    .status(ERROR_STATUS[error.code])
    .set({ ...headersForCode(error.code), ...headers })
    .json({ errors: [{ message: error.message, extensions: { code: error.code, details: error.details, requestId } }] });
}
