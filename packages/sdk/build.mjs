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
    // standardwebhooks and its dependencies are CommonJS packages with a `main` only.
    mainFields: ['module', 'main'],
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

// The bundled libraries' licenses travel with them.
const require = createRequire(import.meta.url);
const packageDir = (name) => path.dirname(require.resolve(`${name}/package.json`, { paths: [root, path.dirname(require.resolve('standardwebhooks/package.json'))] }));
for (const name of ['eventsource-parser', '@stablelib/base64', 'fast-sha256']) {
  await copyFile(path.join(packageDir(name), 'LICENSE'), path.join(dist, `THIRD-PARTY-LICENSE-${name.replace('/', '-').replace('@', '')}.txt`));
}
// standardwebhooks ships no LICENSE file; its package.json says MIT.
const standard = JSON.parse(await readFile(path.join(packageDir('standardwebhooks'), 'package.json'), 'utf8'));
if (standard.license !== 'MIT') throw new Error(`standardwebhooks is now licensed ${standard.license}: review the bundling`);
await writeFile(
  path.join(dist, 'THIRD-PARTY-LICENSE-standardwebhooks.txt'),
  `standardwebhooks ${standard.version} (${standard.repository}), by ${standard.author}, is MIT licensed:\n\n` +
    'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:\n\n' +
    'The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.\n\n' +
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.\n',
);
