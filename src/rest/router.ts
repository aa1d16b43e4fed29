import express, { type Request, type Response, Router } from 'express';
import type { GraphQLError } from 'graphql';
import { invalidRequest, type FieldError } from '../errors.js';
import { describeError } from '../graphql/errors.js';
import type { OrionYoga } from '../graphql/yoga.js';
import { sendData, sendError } from './envelope.js';
import { executeOperation } from './executor.js';
import { routes, type RestRoute } from './routes.js';

const INTEGER = /^-?\d{1,15}$/;

/** Query strings are text: integers become numbers, anything else goes on for GraphQL to reject. */
function queryVariables(route: RestRoute, query: Record<string, unknown>): Record<string, unknown> {
  const unknown = Object.keys(query).filter((name) => !route.query.includes(name));
  if (unknown.length) {
    throw invalidRequest(unknown.map((field): FieldError => ({ field, message: 'is not a known query parameter' })));
  }
  return Object.fromEntries(
    route.query
      .filter((name) => query[name] !== undefined)
      .map((name) => {
        const value = query[name];
        return [name, typeof value === 'string' && INTEGER.test(value) ? Number(value) : value];
      }),
  );
}

function requestBody(req: Request): Record<string, unknown> {
  if (!req.is('application/json')) {
    throw invalidRequest(
      [{ field: '(body)', message: 'must be JSON, sent with Content-Type: application/json' }],
      'Content-Type must be application/json',
    );
  }
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest([{ field: '(body)', message: 'must be a JSON object' }]);
  }
  return body as Record<string, unknown>;
}

function handler(yoga: OrionYoga, route: RestRoute) {
  return async (req: Request, res: Response) => {
    const variables: Record<string, unknown> = {
      ...(req.params as Record<string, string>),
      ...queryVariables(route, req.query as Record<string, unknown>),
      ...(route.body ? { input: requestBody(req) } : {}),
    };
    const result = await executeOperation(yoga, req, res, route.operation, variables);
    const first = result.errors?.[0];
    if (first) {
      const error = describeError(first as GraphQLError) ?? {
        code: 'INTERNAL_ERROR' as const,
        message: 'An unexpected error occurred',
        details: {},
      };
      sendError(res, error);
      return;
    }
    sendData(res, route.status, result.data?.[route.field] ?? null);
  };
}

/** The /v1 router: the route table, 405 with Allow for known paths, 404 for the rest. */
export function createRestRouter(yoga: OrionYoga, bodyLimitBytes: number): Router {
  const router = Router({ strict: false, caseSensitive: true });
  router.use(express.json({ limit: bodyLimitBytes, strict: false }));

  const byPath = new Map<string, RestRoute[]>();
  for (const r of routes) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);

  for (const [path, pathRoutes] of byPath) {
    const chain = router.route(path);
    for (const r of pathRoutes) {
      chain[r.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](handler(yoga, r));
    }
    const methods = pathRoutes.map((r) => r.method);
    const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
    chain.all((req, res) => {
      res.set('Allow', allow);
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
      sendError(res, {
        code: 'METHOD_NOT_ALLOWED',
        message: `${req.method} is not allowed on /v1${path}; allowed: ${allow}`,
        details: { allowed: allow.split(', ') },
      });
    });
  }

  router.use((req, res) => {
    sendError(res, {
      code: 'NOT_FOUND',
      message: `No route ${req.method} /v1${req.path}`,
      details: {},
    });
  });
  return router;
}
