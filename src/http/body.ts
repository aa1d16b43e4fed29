import express, { type NextFunction, type Request, type Response } from 'express';
import { invalidRequest, payloadTooLarge } from '../errors.js';
import type { RawBodyRequest } from './idempotency.js';

export const MAX_JSON_DEPTH = 32;

function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || typeof value !== 'object' || value === null) return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, limit, depth + 1));
    if (deepest > limit) break;
  }
  return deepest;
}

/** JSON bodies for the REST routes, keeping the raw bytes (idempotency compares them). */
export function restJsonBody(limitBytes: number) {
  return express.json({
    limit: limitBytes,
    strict: false,
    verify: (req, _res, buf) => {
      (req as RawBodyRequest).rawBody = buf;
    },
  });
}

/** Deeply nested JSON is refused before anything walks it. */
export function jsonDepthGuard(req: Request, _res: Response, next: NextFunction): void {
  if (req.body !== undefined && depthOf(req.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw invalidRequest(
      [{ field: '(body)', message: `is nested deeper than ${MAX_JSON_DEPTH} levels` }],
      `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  next();
}

/**
 * For a GraphQL POST with an Idempotency-Key: reads the body once, so it can be fingerprinted,
 * and hands the same bytes to Yoga (which accepts a pre-read body).
 */
export function graphqlBodyForIdempotency(limitBytes: number) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (req.method !== 'POST' || req.get('Idempotency-Key') === undefined) {
      next();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limitBytes) {
        throw payloadTooLarge(limitBytes);
      }
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks);
    (req as RawBodyRequest).rawBody = raw;
    (req as Request & { body: unknown }).body = raw;
    next();
  };
}
