import type { NextFunction, Request, Response } from 'express';
import { ApiError, DATABASE_UNAVAILABLE, UNEXPECTED_ERROR, payloadTooLarge } from '../errors.js';
import type { Logger } from '../logger.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { sendProtocolError } from './protocol-error.js';
import type { OrionRequest } from './request-context.js';

type BodyParserError = Error & { type?: string; status?: number; limit?: number };

/** The one error middleware, last: every error leaves as the documented envelope. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const parserError = error as BodyParserError;
    const known = parserError?.type === 'entity.too.large' ? payloadTooLarge(parserError.limit) : error;
    if (known instanceof ApiError) {
      sendProtocolError(req, res, { code: known.code, message: known.message, details: known.details });
      return;
    }
    switch (parserError?.type) {
      case 'entity.parse.failed':
        sendProtocolError(req, res, {
          code: 'INVALID_REQUEST',
          message: 'The request body is not valid JSON',
          details: { fields: [{ field: '(body)', message: 'is not valid JSON' }] },
        });
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
      case 'request.aborted':
      case 'request.size.invalid':
        sendProtocolError(req, res, { code: 'INVALID_REQUEST', message: parserError.message, details: {} });
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
