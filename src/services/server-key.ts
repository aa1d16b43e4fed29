import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { ApiError } from '../errors.js';

/** The file in the embedded database's data directory holding the generated server key. */
export const SERVER_KEY_FILE = 'orion-secret.key';

const MIN_LENGTH = 32;

/**
 * The server key sealing stored secrets (see answer-seal.ts): ORION_SECRET_KEY when set. Without
 * it, the embedded database (one process, one data directory) gets a key generated once into its
 * data directory (mode 0600) and read back on every later start. With PostgreSQL, several
 * instances share the rows, so a key of one instance would seal what another cannot open:
 * undefined, and what needs the key answers SERVICE_UNAVAILABLE until ORION_SECRET_KEY is set.
 */
export function resolveServerKey(config: Pick<Config, 'secretKey' | 'databaseUrl' | 'dataDir'>): string | undefined {
  if (config.secretKey) return config.secretKey;
  if (config.databaseUrl) return undefined;
  const file = path.join(config.dataDir, SERVER_KEY_FILE);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= MIN_LENGTH) return stored;
    throw new Error(`${file} holds no server key (at least ${MIN_LENGTH} characters); remove it or set ORION_SECRET_KEY`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  // `wx`: never overwrite a key another start wrote in the meantime (the data directory is locked anyway).
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

/** The server key, or SERVICE_UNAVAILABLE: without it no secret can be stored or read. */
export function requireServerKey(serverKey: string | undefined): string {
  if (serverKey) return serverKey;
  throw new ApiError(
    'SERVICE_UNAVAILABLE',
    'Signing secrets need a server key: set ORION_SECRET_KEY (required with DATABASE_URL)',
    { reason: 'secret_key_not_configured' },
  );
}
