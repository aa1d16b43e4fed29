import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PGLITE_EXTENSIONS } from '../../src/db/pglite-extensions.js';
import { applyMigrations } from '../../src/db/schema-engine.js';
import { buildServer } from '../../scripts/build.mjs';

/**
 * Runs once: migrates one embedded database and dumps it, so every test app starts from a copy
 * (~0.6 s) instead of a fresh initdb plus migrations.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The bundle the process tests start, as `npm start` does.
  const building = buildServer();
  building.catch(() => {}); // Awaited below; reported there.
  const pglite = new PGlite({ extensions: PGLITE_EXTENSIONS });
  await applyMigrations(new PrismaPGlite(pglite));
  const dump = (await pglite.dumpDataDir('none')) as Blob;
  await pglite.close();
  const file = path.join(tmpdir(), `orion-test-template-${process.pid}.tar`);
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);
  await building;
  return () => rm(file, { force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
