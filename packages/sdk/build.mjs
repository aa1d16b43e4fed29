// Builds @orionos/sdk from src/sdk into dist/: one ES module and one CommonJS file, each with its
// type declarations, every import inlined (the error-code table, the SSE parser), so the package
// has no dependencies. `npm pack` runs it (prepack).
import { build } from 'esbuild';
import { generateDtsBundle } from 'dts-bundle-generator';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const entry = path.join(root, 'src/sdk/index.ts');
const dist = path.join(here, 'dist');

const { version } = JSON.parse(await readFile(path.join(here, 'package.json'), 'utf8'));
const http = await readFile(path.join(root, 'src/sdk/http.ts'), 'utf8');
const sdkVersion = /export const SDK_VERSION = '([^']+)'/.exec(http)?.[1];
if (sdkVersion !== version) {
  throw new Error(`SDK_VERSION in src/sdk/http.ts (${sdkVersion}) and the package version (${version}) differ`);
}

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

for (const [format, file] of [['esm', 'index.js'], ['cjs', 'index.cjs']]) {
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: path.join(dist, file),
    bundle: true,
    format,
    // Neither Node nor a browser: only what both have (fetch, streams, URL, crypto).
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'warning',
  });
}

const [declarations] = generateDtsBundle(
  [{ filePath: entry, libraries: { inlinedLibraries: ['eventsource-parser'] }, output: { noBanner: true, exportReferencedTypes: false } }],
  { preferredConfigPath: path.join(here, 'tsconfig.json') },
);
if (!declarations || /^import |from '/m.test(declarations)) {
  throw new Error('the bundled declarations still import another module');
}
// The same declarations, read as CommonJS (.d.cts) for require() and as ESM (.d.ts) for import.
await writeFile(path.join(dist, 'index.d.ts'), declarations);
await writeFile(path.join(dist, 'index.d.cts'), declarations);

// The bundled SSE parser is MIT licensed: its notice travels with it.
const require = createRequire(import.meta.url);
const parserLicense = path.join(path.dirname(require.resolve('eventsource-parser/package.json')), 'LICENSE');
await copyFile(parserLicense, path.join(dist, 'THIRD-PARTY-LICENSE-eventsource-parser.txt'));
