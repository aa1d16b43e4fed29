import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export class DataDirLockedError extends Error {}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function lockedError(dataDir: string, holder: number): DataDirLockedError {
  return new DataDirLockedError(
    `the embedded database in ${dataDir} is in use by another process (pid ${holder}); ` +
      'stop it first, or set DATABASE_URL to share a PostgreSQL server between instances',
  );
}

/**
 * Embedded PostgreSQL allows one process per data directory: a second one would corrupt it.
 * Takes an exclusive lock file holding our pid, or throws DataDirLockedError naming the holder.
 * The lock appears complete in one step (a hard link of a written file), and a lock left by a
 * process that no longer runs is taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'orion.lock');
  const mine = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(mine, String(process.pid));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(mine, lockPath);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          if (readHolder(lockPath) === process.pid) rmSync(lockPath, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(lockPath);
      if (holder !== undefined && processIsAlive(holder)) throw lockedError(dataDir, holder);
      // Stale: move it aside atomically, and put it back if it turns out to be a fresh lock.
      const aside = `${lockPath}.stale.${randomBytes(4).toString('hex')}`;
      try {
        renameSync(lockPath, aside);
      } catch {
        continue;
      }
      const moved = readHolder(aside);
      if (moved !== undefined && moved !== holder && processIsAlive(moved)) {
        try {
          linkSync(aside, lockPath);
        } catch {
          // Someone took the lock meanwhile; they will be found holding it on the next attempt.
        }
        rmSync(aside, { force: true });
        throw lockedError(dataDir, moved);
      }
      rmSync(aside, { force: true });
    }
    throw new DataDirLockedError(`could not lock ${dataDir}`);
  } finally {
    rmSync(mine, { force: true });
  }
}
