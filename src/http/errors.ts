import type { NextFunction, Request, Response } from 'express';
import { ApiError, DATABASE_UNAVAILABLE, UNEXPECTED_ERROR, type PublicError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { sendProtocolError } from './protocol-error.js';
import type { OrionRequest } from './request-context.js';

/** An error of Express's router (or a library of its) that carries the HTTP status it means. */
type HttpError = Error & { status?: number };

/**
 * A client's mistake that the framework found before our code ran (a path that is not valid
 * percent-encoding): 400, and no stack in the log.
 */
function clientMistake(error: HttpError): PublicError | undefined {
  if (typeof error?.status !== 'number' || error.status < 400 || error.status >= 500) return undefined;
  if (error instanceof URIError) {
    return {
      code: 'INVALID_REQUEST',
      message: 'The URL path is not valid: a percent-encoded part is not UTF-8',
      details: { fields: [{ field: '(path)', message: 'is not valid percent-encoded UTF-8' }] },
    };
  }
  return { code: 'INVALID_REQUEST', message: 'The request is not valid', details: {} };
}

/** The one error middleware, last: every error leaves as the documented envelope. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ApiError) {
      const headers = (error.extensions['http'] as { headers?: Record<string, string> } | undefined)?.headers;
      sendProtocolError(req, res, { code: error.code, message: error.message, details: error.details }, { ...headers });
      return;
    }
    const mistake = clientMistake(error as HttpError);
    if (mistake) {
      logger.info({ requestId: (req as OrionRequest).orion?.requestId, reason: (error as HttpError).message }, 'client error');
      sendProtocolError(req, res, mistake);
      return;
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn({ requestId: (req as OrionRequest).orion?.requestId, err: error }, 'database unavailable');
      sendProtocolError(req, res, DATABASE_UNAVAILABLE);
      return;
    }
    logger.error({ requestId: (req as OrionRequest).orion?.requestId, err: error }, 'unhandled error');
    sendProtocolError(req, res, UNEXPECTED_ERROR);
  };
}
