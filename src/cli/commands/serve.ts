// `orion serve`: the server, as `npm start` runs it (src/server.ts): migrations and the operator
// bootstrap at start-up, then listening until SIGTERM/SIGINT, then a graceful shutdown.
import { DataDirLockedError } from '../../db/datadir-lock.js';
import { ListenError } from '../../http/connections.js';
import { createLogger } from '../../logger.js';
import { serveUntilSignalled } from '../../runtime.js';
import { lockedMessage, readConfig } from '../database.js';
import { CliError } from '../errors.js';

export async function serve(options: { port?: number; host?: string }): Promise<void> {
  // Flags win over the environment, and go through the same validation.
  if (options.port !== undefined) process.env.PORT = String(options.port);
  if (options.host !== undefined) process.env.HOST = options.host;
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  try {
    await serveUntilSignalled(config, logger);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      throw new CliError(lockedMessage(error, 'give this one another ORION_DATA_DIR, or set DATABASE_URL to share PostgreSQL'));
    }
    if (error instanceof ListenError) throw new CliError(error.message);
    logger.fatal({ err: error }, 'could not start');
    throw new CliError(`could not start: ${(error as Error).message ?? String(error)}`);
  }
}
