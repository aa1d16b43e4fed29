import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { PROJECT_ROOT } from '../paths.js';
import { otherMethods } from '../rest/allowed-methods.js';
import { OPENAPI_PATH, openApiDocument } from './document.js';

const STATIC_DIR = path.join(PROJECT_ROOT, 'src/openapi/static');
const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The files /docs/assets serves: ours, and the few of swagger-ui-dist the page uses (never its demo page). */
const ASSETS = new Map<string, { file: string; cacheControl: string }>([
  ['docs.js', { file: path.join(STATIC_DIR, 'docs.js'), cacheControl: 'no-cache' }],
  ['docs.css', { file: path.join(STATIC_DIR, 'docs.css'), cacheControl: 'no-cache' }],
  ...['swagger-ui-bundle.js', 'swagger-ui-bundle.js.map', 'swagger-ui.css', 'swagger-ui.css.map', 'favicon-16x16.png', 'favicon-32x32.png'].map(
    (name) => [name, { file: path.join(SWAGGER_UI_DIR, name), cacheControl: 'public, max-age=86400' }] as const,
  ),
]);

/**
 * `GET /v1/openapi.json`: the OpenAPI 3.1 document of the REST API (no key needed), and
 * `GET /docs`: the API reference rendered from it by Swagger UI, every asset served from here.
 * Mount it before the /v1 router (so the document is not a 404 there) and after the request-id
 * middleware: `app.use(openApiRouter())`.
 */
export function openApiRouter(): Router {
  // The document is built on its first request (memoised), not at start-up, where it would delay
  // readiness; the OpenAPI tests build it, so an undocumented route fails there.
  const page = readFileSync(path.join(STATIC_DIR, 'docs.html'), 'utf8');
  for (const { file } of ASSETS.values()) statSync(file); // every asset is there, or start-up fails

  const router = Router({ caseSensitive: true });

  router.get(OPENAPI_PATH, (_req: Request, res: Response) => {
    res
      .status(200)
      .set({ 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' })
      .send(openApiDocument().json);
  });
  router.all(OPENAPI_PATH, otherMethods(['GET'], OPENAPI_PATH));

  // The reference page: no inline script, every asset from here, so it works under the app's
  // Content-Security-Policy (script-src 'self').
  router.get('/docs', (_req: Request, res: Response) => {
    res.status(200).set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' }).send(page);
  });
  router.get('/docs/assets/:file', (req: Request, res: Response, next) => {
    const asset = ASSETS.get(String(req.params['file']));
    if (!asset) {
      next();
      return;
    }
    res.sendFile(asset.file, { headers: { 'Cache-Control': asset.cacheControl }, cacheControl: false, dotfiles: 'deny' }, (error) => {
      if (error && !res.headersSent) next(error);
    });
  });
  return router;
}
