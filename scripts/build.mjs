// Bundles the server into dist/ for `npm start`. One bundle loads in a fraction of the time that
// hundreds of separate modules take (and much less than compiling TypeScript on the fly): it is
// most of what makes a restart ready to serve quickly.
//
// Packages that load files relative to themselves (WebAssembly, data bundles, static assets) stay
// outside the bundle and are loaded from node_modules as usual.
import { readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');

const external = [
  '@electric-sql/pglite',
  '@prisma/client',
  '@prisma/schema-engine-wasm',
  'swagger-ui-dist',
  // GraphiQL's bundle as strings (9 MB), loaded on the first request for one of its assets.
  '@graphql-yoga/render-graphiql',
  // Loaded on first use of a hosted model only.
  'ai',
  '@ai-sdk/*',
];

// What the bundle is made from: a change to any of them makes dist/ stale.
const inputs = ['src', 'scripts/build.mjs', 'tsconfig.json', 'package.json'].map((p) => path.join(root, p));
// Its modification time is when the last complete build started.
const stamp = path.join(outdir, '.built');

async function newestMtime(file) {
  const info = await stat(file);
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(file, { recursive: true, withFileTypes: true });
  const times = await Promise.all(
    entries.filter((e) => e.isFile()).map(async (e) => (await stat(path.join(e.parentPath, e.name))).mtimeMs),
  );
  return Math.max(info.mtimeMs, ...times);
}

/**
 * Whether dist/ was built from the sources as they are: no source file changed since the last
 * complete build started. A few hundred stats (a few milliseconds), against a second to rebuild.
 */
export async function isBuildFresh() {
  const built = await stat(stamp).then((s) => s.mtimeMs, () => undefined);
  if (built === undefined) return false;
  const newest = Math.max(...(await Promise.all(inputs.map(newestMtime))));
  return newest <= built;
}

/** Writes dist/ afresh. `npm run build` and `npm install` run it; so do the test set-up and the benchmarks. */
export async function buildServer() {
  // Taken before reading any source: a file edited during the build makes the next start rebuild.
  const started = new Date();
  // Loaded only to build: a start on a fresh dist/ never pays for it.
  const { build } = await import('esbuild');
  await rm(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: ['src/server.ts'],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    // Minified: less to parse at every start (about 0.08 s). The linked source maps give readable
    // stack traces with NODE_OPTIONS=--enable-source-maps, which itself costs about 0.25 s at start.
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __orionCreateRequire } from 'node:module'; const require = __orionCreateRequire(import.meta.url);" },
  });
  await writeFile(stamp, '');
  await utimes(stamp, started, started);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await buildServer();
