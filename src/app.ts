import express, { type Express } from 'express';
import { DEFAULT_GRAPHQL_LIMITS, type Config, type GraphQLLimits } from './config.js';
import type { Database } from './db/client.js';
import { SHUTTING_DOWN } from './errors.js';
import { createOrionYoga, type OrionYoga } from './graphql/yoga.js';
import proxyAddr from 'proxy-addr';
import { graphqlBody, refuseBodyWithoutKey, restJsonBody } from './http/body.js';
import { graphqlWebSockets, type GraphQLWebSockets } from './http/graphql-ws.js';
import { errorHandler } from './http/errors.js';
import { graphiqlAssetsRouter } from './http/graphiql-assets.js';
import { idempotency } from './http/idempotency.js';
import { healthRouter, metricsHandler, type LifecycleState } from './http/operations.js';
import { sendProtocolError } from './http/protocol-error.js';
import { rateLimiting } from './http/rate-limit.js';
import { accessLog, authentication, requestId } from './http/request-context.js';
import { corsPolicy, noStore, securityHeaders } from './http/security.js';
import type { Logger } from './logger.js';
import { mcpRouter } from './mcp/http.js';
import { Metrics } from './observability/metrics.js';
import { openApiRouter } from './openapi/routes.js';
import { sendError } from './rest/envelope.js';
import { createRestRouter } from './rest/router.js';
import type { MessagingDeps } from './services/messages.js';
import { createEmbedder } from './services/knowledge/embeddings.js';
import { createProviders } from './services/models/registry.js';
import { KeyCache } from './services/key-cache.js';
import type { RateLimits } from './services/rate-limits.js';
import { DEFAULT_DISPATCH_SETTINGS, WebhookDispatcher } from './services/webhooks/dispatcher.js';
import { WEBHOOK_EVENTS_CHANNEL } from './services/webhooks/outbox.js';
import type { WebhookConfig } from './config.js';

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
  /** ORION_EMBEDDING_* (Config.embedding): hybrid knowledge search; unset, full-text ranking alone. */
  embedding?: Config['embedding'];
  graphql?: GraphQLLimits;
  trustProxy?: Config['trustProxy'];
  /** ORION_ALLOW_PRIVATE_NETWORKS (default false). */
  allowPrivateNetworks?: boolean;
  corsOrigins?: string[];
  metricsToken?: string;
  /** Serve /metrics on this app; by default only behind a metricsToken, never in the open. */
  serveMetrics?: boolean;
  /**
   * The server key sealing stored secrets (agents' tool-signing secrets): ORION_SECRET_KEY, or
   * the one generated into the embedded database's data directory (see services/server-key.ts).
   * Unset: creating tools answers SERVICE_UNAVAILABLE.
   */
  serverKey?: string;
  /** How often an idle event stream gets a comment line, so proxies keep it open. */
  sseHeartbeatMs?: number;
  /** How long an export download waits for a client that reads nothing before cutting it off. */
  downloadStallMs?: number;
  /** Webhook delivery; unset: no dispatcher runs (production's Config always dispatches). */
  webhooks?: Partial<WebhookConfig>;
};

export type AppDeps = {
  config: AppConfig;
  db: Pick<Database, 'prisma' | 'ping' | 'listen'>;
  logger: Logger;
  limits: RateLimits;
  metrics?: Metrics;
  keyCache?: KeyCache;
};

export type OrionApp = {
  app: Express;
  yoga: OrionYoga;
  messaging: MessagingDeps;
  metrics: Metrics;
  state: LifecycleState;
  keyCache: KeyCache;
  /** GraphQL over WebSocket: attach to the HTTP server serving `app`. */
  websockets: GraphQLWebSockets;
  /** The running webhook dispatcher, when config.webhooks.dispatch: stop it before closing the database. */
  dispatcher: WebhookDispatcher | undefined;
};

/** Builds the HTTP application (no listening: see server.ts). */
export function createApp({
  config,
  db,
  logger,
  limits,
  metrics = new Metrics(),
  keyCache = KeyCache.disabled(),
}: AppDeps): OrionApp {
  const state: LifecycleState = { shuttingDown: false };
  const messaging: MessagingDeps = {
    prisma: db.prisma,
    providers: createProviders(config),
    modelTimeoutMs: config.modelTimeoutMs,
    embedder: config.embedding ? createEmbedder({ ...config.embedding, timeoutMs: config.modelTimeoutMs }) : undefined,
    allowPrivateNetworks: config.allowPrivateNetworks ?? false,
    serverKey: config.serverKey,
    logger,
    inflight: new Set(),
    metrics,
  };
  const yoga = createOrionYoga({ messaging, logger, limits: config.graphql ?? DEFAULT_GRAPHQL_LIMITS, keyCache, serverKey: config.serverKey });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy ?? false);

  app.use(requestId);
  app.use(accessLog(logger));
  app.use(metrics.httpMiddleware());
  app.use(securityHeaders());
  app.use(['/graphql', '/v1', '/mcp'], noStore);
  const cors = corsPolicy(config.corsOrigins ?? []);
  if (cors) app.use(['/graphql', '/v1', '/mcp'], cors);

  app.use(
    healthRouter(state, async () => {
      const database = await db.ping().then(() => 'ok' as const, () => 'unavailable' as const);
      const redis = await limits.redisReachable();
      return { database, ...(redis === undefined ? {} : { redis: redis ? ('ok' as const) : ('unavailable' as const) }) };
    }),
  );
  // Once shutdown begins, requests arriving on kept-alive connections are turned away cleanly.
  app.use((req, res, next) => {
    if (!state.shuttingDown) return next();
    res.set('Connection', 'close');
    sendProtocolError(req, res, SHUTTING_DOWN);
  });

  app.use(authentication(db.prisma, keyCache));
  // Every path is counted (an unknown one too), except the health probes above.
  app.use(rateLimiting(limits, config.anonymousRateLimitPerMinute, logger, metrics));

  if (config.serveMetrics ?? config.metricsToken !== undefined) {
    app.get('/metrics', metricsHandler(metrics, config.metricsToken));
  }
  // The API's description and reference page: public.
  app.use(openApiRouter());
  // What the GraphiQL page at GET /graphql loads: public too.
  app.use(graphiqlAssetsRouter());

  app.use('/graphql', graphqlBody(config.bodyLimitBytes));
  app.use('/v1', refuseBodyWithoutKey, restJsonBody(config.bodyLimitBytes));
  // A run left unfinished this long belonged to an instance that died: it may be retried.
  app.use(['/graphql', '/v1'], idempotency(db.prisma, logger, config.modelTimeoutMs + 60_000));

  app.all('/graphql', (req, res) => yoga(req, res, { req, res } as never));
  app.use(
    '/v1',
    createRestRouter(yoga, {
      sseHeartbeatMs: config.sseHeartbeatMs ?? 15_000,
      downloadStallMs: config.downloadStallMs ?? 60_000,
      logger,
    }),
  );
  // OrionOS as an MCP server (Streamable HTTP, stateless): the REST operations' pipeline as tools.
  app.use(mcpRouter(yoga, { bodyLimitBytes: config.bodyLimitBytes, logger }));

  app.use((req, res) => {
    sendError(res, {
      code: 'NOT_FOUND',
      message: `No route ${req.method} ${req.path}: the API is under /v1, GraphQL at /graphql, MCP at /mcp`,
      details: {},
    });
  });
  app.use(errorHandler(logger));
  const websockets = graphqlWebSockets({
    yoga,
    prisma: db.prisma,
    keyCache,
    limits,
    logger,
    state,
    anonymousRateLimitPerMinute: config.anonymousRateLimitPerMinute,
    maxPayloadBytes: config.bodyLimitBytes,
    clientAddress: (req) => proxyAddr(req, app.get('trust proxy fn')),
  });
  let dispatcher: WebhookDispatcher | undefined;
  if (config.webhooks?.dispatch) {
    const { dispatch: _, ...settings } = config.webhooks;
    dispatcher = new WebhookDispatcher({
      prisma: db.prisma,
      serverKey: config.serverKey,
      allowPrivateNetworks: config.allowPrivateNetworks ?? false,
      logger,
      settings: { ...DEFAULT_DISPATCH_SETTINGS, ...settings },
      listen: (onEvent) => db.listen(WEBHOOK_EVENTS_CHANNEL, onEvent, logger),
    });
    dispatcher.start();
  }
  return { app, yoga, messaging, metrics, state, keyCache, websockets, dispatcher };
}
