import type { NextFunction, Request, Response } from 'express';
import type { PrismaClient } from '../db/client.js';
import { newRequestId } from '../ids.js';
import type { RequestState } from '../graphql/context.js';
import type { Logger } from '../logger.js';
import { authenticate } from '../services/api-keys.js';
import type { KeyCache } from '../services/key-cache.js';

export type OrionRequest = Request & { orion: RequestState };

// A client's id never looks like ours (`req_…`), so a server id in a log or a support ticket was
// always made here, once.
const CLIENT_REQUEST_ID = /^(?![rR][eE][qQ]_)[A-Za-z0-9._:-]{1,128}$/;

/** X-Request-Id: the client's own when it is sane and not `req_…`, otherwise a new `req_…`. Set on every response. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.get('X-Request-Id');
  const id = incoming && CLIENT_REQUEST_ID.test(incoming) ? incoming : newRequestId();
  (req as OrionRequest).orion = { requestId: id, auth: { kind: 'anonymous' } };
  res.set('X-Request-Id', id);
  next();
}

/** The route pattern that served a request (`/v1/agents/:agentId`), never its raw path. */
export function matchedRoute(req: Request): string | undefined {
  return req.route?.path ? `${req.baseUrl}${req.route.path}` : req.baseUrl || undefined;
}

/** One JSON line per request: id, route, status, latency, account. Never headers or bodies. */
export function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const { orion } = req as OrionRequest;
      logger.info(
        {
          requestId: orion.requestId,
          method: req.method,
          route: matchedRoute(req) ?? req.path,
          status: res.statusCode,
          latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
          accountId: orion.auth.kind === 'key' ? orion.auth.account.id : undefined,
        },
        'request',
      );
    });
    next();
  };
}

/** Resolves the API key, if any, to its account. Rejection is GraphQL's job (scopes), not ours. */
export function authentication(prisma: PrismaClient, cache: KeyCache) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    (req as OrionRequest).orion.auth = await authenticate(prisma, req.get('Authorization'), new Date(), cache);
    next();
  };
}
