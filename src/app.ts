import express, { type Express } from 'express';
import { DEFAULT_GRAPHQL_LIMITS, type Config, type GraphQLLimits } from './config.js';
import type { Database } from './db/client.js';
import { createOrionYoga, type OrionYoga } from './graphql/yoga.js';
import { errorHandler } from './http/errors.js';
import { sendProtocolError } from './http/protocol-error.js';
import { rateLimiting } from './http/rate-limit.js';
import { accessLog, authentication, requestId } from './http/request-context.js';
import type { Logger } from './logger.js';
import { sendError } from './rest/envelope.js';
import { createRestRouter } from './rest/router.js';
import type { MessagingDeps } from './services/messages.js';
import { createProviders } from './services/models/registry.js';
import type { RateLimits } from './services/rate-limits.js';

export type AppConfig = Pick<
  Config,
  | 'bodyLimitBytes'
  | 'modelTimeoutMs'
  | 'openaiApiKey'
  | 'openaiBaseUrl'
  | 'anthropicApiKey'
  | 'anthropicBaseUrl'
  | 'anonymousRateLimitPerMinute'
> & {
  graphql?: GraphQLLimits;
  trustProxy?: Config['trustProxy'];
  /** How often an idle event stream gets a comment line, so proxies keep it open. */
  sseHeartbeatMs?: number;
};

export type AppDeps = {
  config: AppConfig;
  db: Pick<Database, 'prisma'>;
  logger: Logger;
  limits: RateLimits;
};

export type OrionApp = { app: Express; yoga: OrionYoga; messaging: MessagingDeps };

/** Builds the HTTP application (no listening: see server.ts). */
export function createApp({ config, db, logger, limits }: AppDeps): OrionApp {
  const messaging: MessagingDeps = {
    prisma: db.prisma,
    providers: createProviders(config),
    modelTimeoutMs: config.modelTimeoutMs,
    logger,
    inflight: new Set(),
  };
  const yoga = createOrionYoga({ messaging, logger, limits: config.graphql ?? DEFAULT_GRAPHQL_LIMITS });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy ?? false);

  app.use(requestId);
  app.use(accessLog(logger));
  app.use(authentication(db.prisma));
  app.use(['/graphql', '/v1'], rateLimiting(limits, config.anonymousRateLimitPerMinute, logger));

  app.use('/graphql', (req, res, next) => {
    const length = Number(req.get('Content-Length') ?? 0);
    if (length > config.bodyLimitBytes) {
      sendProtocolError(req, res, {
        code: 'PAYLOAD_TOO_LARGE',
        message: 'The request body is larger than the limit',
        details: { limitBytes: config.bodyLimitBytes },
      });
      return;
    }
    next();
  });
  app.all('/graphql', (req, res) => yoga(req, res, { req, res } as never));
  app.use(
    '/v1',
    createRestRouter(yoga, { bodyLimitBytes: config.bodyLimitBytes, sseHeartbeatMs: config.sseHeartbeatMs ?? 15_000 }),
  );

  app.use((req, res) => {
    sendError(res, {
      code: 'NOT_FOUND',
      message: `No route ${req.method} ${req.path}: the API is under /v1, GraphQL at /graphql`,
      details: {},
    });
  });
  app.use(errorHandler(logger));
  return { app, yoga, messaging };
}
