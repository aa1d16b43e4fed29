import { Router, type Request, type Response } from 'express';
import { GRAPHIQL_ASSETS_PATH, GRAPHIQL_START_SCRIPT, GRAPHIQL_WORKERS } from '../graphql/graphiql.js';

type Asset = { type: string; body: Buffer };

const JS = 'text/javascript; charset=utf-8';

/**
 * The bundle ships as strings in a 9 MB module: loaded on the first asset request, not at
 * start-up (where it would delay readiness by a noticeable fraction of a second).
 */
let loaded: Promise<Map<string, Asset>> | undefined;
function assets(): Promise<Map<string, Asset>> {
  loaded ??= import('@graphql-yoga/render-graphiql/graphiql').then((bundle) => {
    const worker = { editorWorkerService: bundle.editorWorkerService, json: bundle.jsonWorker, graphql: bundle.graphqlWorker };
    const favicon = /^data:([^;,]+);base64,(.*)$/s.exec(bundle.favicon);
    return new Map<string, Asset>([
      ['graphiql.js', { type: JS, body: Buffer.from(bundle.js) }],
      ['graphiql.css', { type: 'text/css; charset=utf-8', body: Buffer.from(bundle.css) }],
      ['start.js', { type: JS, body: Buffer.from(GRAPHIQL_START_SCRIPT) }],
      ...Object.entries(GRAPHIQL_WORKERS).map(
        ([label, file]) => [file, { type: JS, body: Buffer.from(worker[label as keyof typeof worker]) }] as const,
      ),
      ...(favicon ? [['favicon.ico', { type: favicon[1]!, body: Buffer.from(favicon[2]!, 'base64') }] as const] : []),
    ]);
  });
  return loaded;
}

/**
 * `GET /graphiql/assets/:file`: what the GraphiQL page (graphql/graphiql.ts) loads, all of it from
 * this server. Public, like the page itself. Each URL carries the bundle's version, so browsers
 * may keep a copy for a day.
 */
export function graphiqlAssetsRouter(): Router {
  const router = Router({ caseSensitive: true });
  router.get(`${GRAPHIQL_ASSETS_PATH}/:file`, async (req: Request, res: Response, next) => {
    const asset = (await assets()).get(String(req.params['file']));
    if (!asset) {
      next();
      return;
    }
    res
      .status(200)
      .set({ 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=86400', 'X-Content-Type-Options': 'nosniff' })
      .send(asset.body);
  });
  return router;
}
