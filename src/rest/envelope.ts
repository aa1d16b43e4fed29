import type { Response } from 'express';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';

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
  if (error.code === 'UNAUTHORIZED') headers['WWW-Authenticate'] ??= 'Bearer';
  res
    .status(ERROR_STATUS[error.code])
    .set(headers)
    .json({ success: false, error: { ...error, requestId } satisfies ErrorBody });
}
