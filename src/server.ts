import { ConfigError, loadConfigFromEnvironment } from './config.js';
import { DataDirLockedError } from './db/datadir-lock.js';
import { ListenError } from './http/connections.js';
import { createLogger } from './logger.js';
import { serveUntilSignalled } from './runtime.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfigFromEnvironment();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`orion: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  try {
    await serveUntilSignalled(config, logger);
  } catch (error) {
    if (error instanceof DataDirLockedError || error instanceof ListenError) {
      console.error(`orion: ${error.message}`);
      process.exit(1);
    }
    logger.fatal({ err: error }, 'could not start');
    process.exit(1);
  }
}

await main();
