import { createRequire } from 'node:module';
import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * GraphiQL, served entirely from this server: the page Yoga renders at GET /graphql is a small
 * HTML document; the bundle, its stylesheet and the editor's workers are files under
 * GRAPHIQL_ASSETS_PATH (http/graphiql-assets.ts), taken from `@graphql-yoga/render-graphiql`.
 * The page has no inline script (its options travel in a JSON data block), so it runs under the
 * app's Content-Security-Policy: scripts and workers from 'self', nothing from anywhere else.
 */

export const GRAPHIQL_ASSETS_PATH = '/graphiql/assets';

/** The bundle's version: in every asset URL, so a cached copy never outlives an upgrade. */
export const GRAPHIQL_VERSION: string = (
  createRequire(import.meta.url)('@graphql-yoga/render-graphiql/package.json') as { version: string }
).version;

/** Monaco asks for a worker by label; the bundle ships these three (as Yoga's own page names them). */
export const GRAPHIQL_WORKERS = {
  editorWorkerService: 'editor.worker.js',
  json: 'json.worker.js',
  graphql: 'graphql.worker.js',
} as const;

const asset = (name: string) => `${GRAPHIQL_ASSETS_PATH}/${name}?v=${GRAPHIQL_VERSION}`;

/** Sets Monaco's worker URLs and starts GraphiQL with the page's options. Served as start.js. */
export const GRAPHIQL_START_SCRIPT = `(function () {
  var workers = ${JSON.stringify(Object.fromEntries(Object.entries(GRAPHIQL_WORKERS).map(([label, file]) => [label, asset(file)])))};
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) { return workers[label]; },
  };
  var options = JSON.parse(document.getElementById('graphiql-options').textContent);
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end the <script> element holding it, whatever the strings inside say. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Yoga's `renderGraphiQL`: the page for a browser's GET /graphql. */
export function renderGraphiQLPage(options: GraphiQLOptions): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${asset('favicon.ico')}" />
    <link rel="stylesheet" href="${asset('graphiql.css')}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${scriptSafeJson(options)}</script>
    <script src="${asset('graphiql.js')}"></script>
    <script src="${asset('start.js')}"></script>
  </body>
</html>
`;
}
