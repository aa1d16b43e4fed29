// `npm start`: runs the bundle in dist/ (built by `npm install`), rebuilding it first only when a
// source changed since it was built, so an edited checkout never runs stale code and an
// unchanged one skips the second or so a build takes.
import { buildServer, isBuildFresh } from './build.mjs';

if (!(await isBuildFresh())) await buildServer();
await import('../dist/server.js');
