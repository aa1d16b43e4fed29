import cors from 'cors';
import helmet from 'helmet';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Security headers, one strict policy for every answer. The two browser pages (/docs and the
 * GraphiQL page at GET /graphql) load every script from here and run none inline; GraphiQL's
 * editor workers come from here too. Styles may be inline: both UIs set element styles.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        workerSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
}

/** API answers are never stored by browsers or proxies: some carry a secret shown once. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  next();
}

/** CORS for /graphql, /v1 and /mcp, off unless CORS_ORIGINS lists origins (or is "*"). */
export function corsPolicy(origins: string[]): RequestHandler | undefined {
  if (!origins.length) return undefined;
  return cors({
    origin: origins.includes('*') ? true : origins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    // Mcp-Protocol-Version: what MCP clients send on /mcp after initialising (browser clients too).
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'Accept', 'Mcp-Protocol-Version'],
    exposedHeaders: [
      'X-Request-Id',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'Retry-After',
      'Idempotent-Replayed',
      // Something the request used is on its way out (src/rest/deprecation.ts).
      'Deprecation',
      'Sunset',
      'Link',
    ],
    maxAge: 600,
  });
}
