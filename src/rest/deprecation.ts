import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { deprecationHeaders, type Deprecation } from '../deprecations.js';
import type { RestRoute } from './routes.js';

/** Whether the route, or any of its query parameters, is on its way out. */
export function hasDeprecations(route: RestRoute): boolean {
  return Boolean(route.deprecated) || Object.keys(route.deprecatedQuery ?? {}).length > 0;
}

/** What a request to `route` uses that is on its way out: the route itself, or query parameters it sent. */
export function deprecationsUsed(route: RestRoute, query: Record<string, unknown>): Deprecation[] {
  const params = Object.entries(route.deprecatedQuery ?? {})
    .filter(([name]) => query[name] !== undefined)
    .map(([, deprecation]) => deprecation);
  return [...(route.deprecated ? [route.deprecated] : []), ...params];
}

/**
 * Sets `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and `Link: rel="deprecation"` on the answer
 * of a request that uses something deprecated; with several, the earliest dates. Undefined for a
 * route with nothing deprecated.
 */
export function deprecationNotice(route: RestRoute): RequestHandler | undefined {
  if (!hasDeprecations(route)) return undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    const used = deprecationsUsed(route, req.query as Record<string, unknown>);
    if (used.length) {
      const earliest = (key: 'since' | 'sunset') => used.map((d) => d[key]).sort()[0]!;
      const { Link: link, ...dates } = deprecationHeaders({ since: earliest('since'), sunset: earliest('sunset'), instead: '' });
      res.set(dates);
      // Appended: a handler's own Link header (a page's next/prev) stays.
      res.append('Link', link);
    }
    next();
  };
}
