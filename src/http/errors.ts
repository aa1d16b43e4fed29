import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendError } from '../rest/envelope.js';
import type { OrionRequest } from './request-context.js';

type BodyParserError = Error & { type?: string; status?: number };

/** The one error middleware, last: every error leaves as the documented envelope. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ApiError) {
      sendError(res, { code: error.code, message: error.message, details: error.details });
      return;
    }
    const parserError = error as BodyParserError;
    switch (parserError?.type) {
      case 'entity.too.large':
        sendError(res, {
          code: 'PAYLOAD_TOO_LARGE',
          message: 'The request body is larger than the limit',
          details: {},
        });
        return;
      case 'entity.parse.failed':
        sendError(res, {
          code: 'INVALID_REQUEST',
          message: 'The request body is not valid JSON',
          details: { fields: [{ field: '(body)', message: 'is not valid JSON' }] },
        });
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
      case 'request.aborted':
      case 'request.size.invalid':
        sendError(res, { code: 'INVALID_REQUEST', message: parserError.message, details: {} });
        return;
    }
    logger.error({ requestId: (req as OrionRequest).orion?.requestId, err: error }, 'unhandled error');
    sendError(res, { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred', details: {} });
  };
}
