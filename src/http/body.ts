import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';
import { ApiError, invalidRequest, payloadTooLarge } from '../errors.js';
import { keyRequired } from '../services/api-keys.js';
import { MAX_INPUT_VALUES, MAX_JSON_DEPTH, jsonShapeExceeds } from '../services/input-bounds.js';
import type { RawBodyRequest } from './idempotency.js';
import type { OrionRequest } from './request-context.js';

/**
 * What an anonymous POST to /graphql may carry: enough for an introspection query (GraphiQL's
 * is 2 KB), the one thing /graphql answers without a key. Anything larger is refused unread.
 */
export const ANONYMOUS_GRAPHQL_BODY_BYTES = 32 * 1024;

type Inflate = (buffer: Buffer, options: zlib.ZlibOptions | zlib.BrotliOptions) => Promise<Buffer>;

const INFLATE: Record<string, Inflate> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
}

/** A body with something in it (some clients send `Content-Length: 0` with every request). */
function hasBytes(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function bodyError(message: string, fieldMessage: string): ApiError {
  return invalidRequest([{ field: '(body)', message: fieldMessage }], message);
}

/**
 * Reads the body's bytes, `refusal` as soon as they pass `limit` (never reading on: the
 * connection is closed after the answer, whatever the framing).
 */
function readBytes(req: Request, res: Response, limit: number, refusal: ApiError): Promise<Buffer> {
  const refuse = () => {
    res.set('Connection', 'close');
    return refusal;
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(refuse());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (outcome: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onFailure).off('close', onFailure);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else
        stop(() => {
          req.pause();
          reject(refuse());
        });
    };
    const onEnd = () => stop(() => resolve(Buffer.concat(chunks)));
    const onFailure = () => stop(() => reject(bodyError('The request body ended before it was complete', 'is incomplete')));
    req.on('data', onData).on('end', onEnd).on('error', onFailure).on('close', onFailure);
  });
}

/** The body, decompressed if it says so (`Content-Encoding`), and never more than `limit` bytes either way. */
async function readBody(req: Request, res: Response, limit: number, refusal: ApiError): Promise<Buffer> {
  const raw = await readBytes(req, res, limit, refusal);
  const encoding = (req.get('Content-Encoding') ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return raw;
  const inflate = INFLATE[encoding];
  if (!inflate) {
    throw bodyError(`Content-Encoding "${encoding}" is not supported: use gzip, deflate or br`, 'has an unsupported encoding');
  }
  try {
    return await inflate(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw refusal;
    throw bodyError(`The request body is not valid ${encoding} data`, `is not valid ${encoding} data`);
  }
}

/** JSON too deep or holding too many values is refused before it is parsed. */
function refuseOversizedShape(raw: Buffer, maxDepth: number, tooDeep: string): void {
  const excess = jsonShapeExceeds(raw, maxDepth, MAX_INPUT_VALUES);
  if (excess === 'depth') {
    throw invalidRequest([{ field: '(body)', message: `is nested deeper than ${MAX_JSON_DEPTH} levels` }], tooDeep);
  }
  if (excess === 'values') throw invalidRequest([{ field: '(body)', message: `holds more than ${MAX_INPUT_VALUES} values` }]);
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

function jsonText(req: Request, raw: Buffer): string {
  const charset = CHARSET.exec(req.get('Content-Type') ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw bodyError(`Unsupported charset "${charset}": JSON bodies are UTF-8`, 'must be UTF-8');
  }
  return raw.toString('utf8');
}

/**
 * JSON bodies for the REST routes, keeping the raw bytes (idempotency compares them). Only
 * `application/json` is read: the router refuses any other type without reading it.
 */
export function restJsonBody(limitBytes: number) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!hasBody(req) || !req.is('application/json')) return next();
    const raw = await readBody(req, res, limitBytes, payloadTooLarge(limitBytes));
    (req as RawBodyRequest).rawBody = raw;
    refuseOversizedShape(raw, MAX_JSON_DEPTH, `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    const text = jsonText(req, raw);
    try {
      (req as Request & { body: unknown }).body = text === '' ? {} : JSON.parse(text);
    } catch {
      throw bodyError('The request body is not valid JSON', 'is not valid JSON');
    }
    next();
  };
}

/** Every REST route needs a key: a body sent without a valid one is refused before it is read. */
export function refuseBodyWithoutKey(req: Request, res: Response, next: NextFunction): void {
  const { auth } = (req as OrionRequest).orion;
  if (auth.kind !== 'key' && hasBytes(req)) {
    res.set('Connection', 'close');
    throw keyRequired(auth);
  }
  next();
}


/**
 * A GraphQL POST's body, read here within the limit (Yoga would read any length): kept raw for
 * idempotency, and handed to Yoga parsed when it is a JSON object (Yoga answers anything else
 * itself, as it would have). Without a valid key, only a small body is read.
 */
export function graphqlBody(limitBytes: number) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.method !== 'POST' || !hasBody(req)) return next();
    const { auth } = (req as OrionRequest).orion;
    const raw =
      auth.kind === 'key'
        ? await readBody(req, res, limitBytes, payloadTooLarge(limitBytes))
        : await readBody(req, res, Math.min(limitBytes, ANONYMOUS_GRAPHQL_BODY_BYTES), keyRequired(auth));
    (req as RawBodyRequest).rawBody = raw;
    let body: unknown = raw;
    if (req.is(['application/json', '+json'])) {
      // The body's own object and `variables` are two levels above each variable's value.
      refuseOversizedShape(raw, MAX_JSON_DEPTH + 2, `GraphQL variables and extensions nest at most ${MAX_JSON_DEPTH} levels`);
      try {
        const parsed: unknown = JSON.parse(jsonText(req, raw));
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed;
      } catch {
        // Yoga reads the bytes and answers with its own error.
      }
    }
    (req as Request & { body: unknown }).body = body;
    next();
  };
}
