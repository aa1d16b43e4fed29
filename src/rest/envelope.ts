import type { Response } from 'express';
import { ERROR_STATUS, headersForCode, type ErrorCode } from '../errors.js';

export type ErrorBody = {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
  requestId: string;
};

export function sendData(res: Response, status: number, data: unknown): void {
  res.status(status).json({ success: true, data });
}

export function sendError(
  res: Response,
  error: Omit<ErrorBody, 'requestId'>,
  headers: Record<string, string> = {},
): void {
  const requestId = String(res.getHeader('X-Request-Id') ?? '');
  // An error that says how long to wait (e.g. too many exports at once) says it in the header too.
  const retryAfter = error.details['retryAfter'];
  const waitHeader = typeof retryAfter === 'number' ? { 'Retry-After': String(retryAfter) } : {};
  res
    .status(ERROR_STATUS[error.code])
    .set({ ...headersForCode(error.code), ...waitHeader, ...headers })
    .json({ success: false, error: { ...error, requestId } satisfies ErrorBody });
}
