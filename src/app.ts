import express, { type Express } from 'express';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { createOrionYoga, type OrionYoga } from './graphql/yoga.js';
import { errorHandler } from './http/errors.js';
import { accessLog, authentication, requestId } from './http/request-context.js';
import type { Logger } from './logger.js';
import { sendError } from './rest/envelope.js';
import { createRestRouter } from './rest/router.js';

export type AppDeps = {
  config: Pick<Config, 'bodyLimitBytes'>;
  db: Pick<Database, 'prisma'>;
  logger: Logger;
};

export type OrionApp = { app: Express; yoga: OrionYoga };

/** Builds the HTTP application (no listening: see server.ts). */
export function createApp({ config, db, logger }: AppDeps): OrionApp {
  const yoga = createOrionYoga({ prisma: db.prisma, logger });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(requestId);
  app.use(accessLog(logger));
  app.use(authentication(db.prisma));

  app.use('/graphql', (req, res, next) => {
    const length = Number(req.get('Content-Length') ?? 0);
    if (length > config.bodyLimitBytes) {
      sendError(res, { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than the limit', details: {} });
      return;
    }
    next();
  });
  app.all('/graphql', (req, res) => yoga(req, res, { req, res } as never));
  app.use('/v1', createRestRouter(yoga, config.bodyLimitBytes));

  app.use((req, res) => {
    sendError(res, {
      code: 'NOT_FOUND',
      message: `No route ${req.method} ${req.path}: the API is under /v1, GraphQL at /graphql`,
      details: {},
    });
  });
  app.use(errorHandler(logger));
  return { app, yoga };
}
