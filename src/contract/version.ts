import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.js';

/** Where the contract as last released lives (see released.ts), relative to the project root. */
export const RELEASED_DIR = 'schema/released';
export const RELEASED_FILES = { sdl: 'schema.graphql', openapi: 'openapi.json', version: 'VERSION' } as const;

export const releasedPath = (root: string, file: keyof typeof RELEASED_FILES) => path.join(root, RELEASED_DIR, RELEASED_FILES[file]);

/** The API version last released (semver), which the served OpenAPI document states. */
export function releasedVersion(root = PROJECT_ROOT): string {
  return readFileSync(releasedPath(root, 'version'), 'utf8').trim();
}
