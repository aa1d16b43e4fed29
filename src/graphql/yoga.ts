import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { KeyCache } from '../services/key-cache.js';
import type { MessagingDeps } from '../services/messages.js';
import type { GraphQLLimits } from '../config.js';
import type { Logger } from '../logger.js';
import { asTenant } from '../db/fair-share.js';
import { PageBatches } from '../services/pagination.js';
import type { GraphQLContext, RequestState } from './context.js';
import { combineVariableErrors, withApiExtensions } from './errors.js';
import { renderGraphiQLPage } from './graphiql.js';
import { inputGuard } from './input-guard.js';
import { multipartSubscriptions } from './multipart-subscriptions.js';
import { graphqlProtections } from './protections.js';
import { schema } from './schema.js';

export type ServerContext = { req: ExpressRequest & { orion: RequestState }; res: ExpressResponse };
export type OrionYoga = YogaServerInstance<ServerContext, GraphQLContext>;

const GRAPHIQL_EXAMPLE = `# Welcome to OrionOS. Put your API key in the Headers tab below:
#   { "Authorization": "Bearer orn_live_..." }
# then run this query with the ▶ button.

query MyAgents {
  viewer { id name tier }
  agents(first: 10) {
    totalCount
    nodes { id name status model { provider name } createdAt }
  }
}
`;

function isUnexpected(error: GraphQLError): boolean {
  return error.extensions?.['code'] === 'INTERNAL_ERROR';
}

/**
 * Gives every error the API's extensions ({code, details, requestId}) and masks the unexpected
 * ones, logging them with the request id. The one place errors are shaped, for both protocols.
 */
export function shapeResult<R extends ExecutionResult>(result: R, requestId: string, logger: Logger): R {
  if (!result.errors?.length) return result;
  const errors = combineVariableErrors(result.errors).map((error) => {
    const shaped = withApiExtensions(error, requestId);
    if (isUnexpected(shaped)) {
      logger.error({ requestId, err: error.originalError ?? error, path: error.path }, 'unexpected error');
    }
    return shaped;
  });
  return { ...result, errors };
}

/**
 * The status of a /graphql response (README, "GraphQL status codes"): with `data` (even partial)
 * it is 200, whatever the errors; without, it is the status of the errors' code, except that
 * GraphQL-over-HTTP's rule for application/json clients (200 for a document that fails parsing,
 * validation or variable coercion, marked `spec`) is kept.
 */
function withStatusPolicy(result: ExecutionResult): ExecutionResult {
  if (result.data == null || !result.errors?.length) return result;
  const errors = result.errors.map((error) => {
    const http = error.extensions['http'] as { status?: number } | undefined;
    if (!http?.status) return error;
    const { status: _dropped, ...rest } = http;
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      originalError: error.originalError,
      extensions: { ...error.extensions, http: rest },
    });
  });
  return { ...result, errors };
}

function useApiErrors(logger: Logger): Plugin<ServerContext> {
  const shape = (result: ExecutionResult, requestId: string) =>
    withStatusPolicy(shapeResult(result, requestId, logger));
  return {
    onResultProcess({ result, setResult, serverContext }) {
      const requestId = (serverContext as Partial<ServerContext>).req?.orion?.requestId ?? 'unknown';
      if (Array.isArray(result)) {
        setResult(result.map((r) => shape(r, requestId)));
      } else if (Symbol.asyncIterator in (result as object)) {
        const source = result as AsyncIterable<ExecutionResult>;
        setResult(
          (async function* () {
            for await (const item of source) yield shape(item, requestId);
          })(),
        );
      } else {
        setResult(shape(result as ExecutionResult, requestId));
      }
    },
  };
}

/**
 * Runs each operation as its account's tenant, so its database work waits its turn beside other
 * accounts' instead of behind all of it (db/fair-share.ts).
 */
function useFairDatabaseShare(): Plugin<ServerContext> {
  const tenantOf = (context: unknown) => {
    const auth = (context as Partial<GraphQLContext> | undefined)?.auth;
    return auth?.kind === 'key' ? auth.account.id : '';
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const tenant = tenantOf(args.contextValue);
      setExecuteFn((executeArgs) => asTenant(tenant, () => executeFn(executeArgs)));
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const tenant = tenantOf(args.contextValue);
      setSubscribeFn((subscribeArgs) => asTenant(tenant, () => subscribeFn(subscribeArgs)));
    },
  };
}

export function createOrionYoga(deps: {
  messaging: MessagingDeps;
  logger: Logger;
  limits: GraphQLLimits;
  keyCache: KeyCache;
  serverKey?: string;
}): OrionYoga {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    batching: false,
    landingPage: false,
    // Masking happens in useApiErrors, where the request id is known.
    maskedErrors: false,
    logging: {
      // Yoga logs at debug several times per /graphql request: skip the formatting unless it is kept.
      debug: (...args) => {
        if (deps.logger.isLevelEnabled('debug')) deps.logger.debug({ yoga: args.map(String) });
      },
      info: (...args) => deps.logger.info({ yoga: args.map(String) }),
      warn: (...args) => deps.logger.warn({ yoga: args.map(String) }),
      error: (...args) => deps.logger.error({ yoga: args.map(String) }),
    },
    graphiql: {
      title: 'OrionOS GraphQL explorer',
      defaultQuery: GRAPHIQL_EXAMPLE,
      headers: JSON.stringify({ Authorization: 'Bearer orn_live_...' }, null, 2),
      // Without it GraphiQL's introspection leaves deprecated arguments out: its docs would not
      // show them, and its editor would flag an older client's query as invalid.
      inputValueDeprecation: true,
    },
    // Every asset from this server: no CDN, nothing inline (graphql/graphiql.ts).
    renderGraphiQL: renderGraphiQLPage,
    context: ({ req }) => ({
      requestId: req.orion.requestId,
      auth: req.orion.auth,
      prisma: deps.messaging.prisma,
      logger: deps.logger,
      messaging: deps.messaging,
      keyCache: deps.keyCache,
      serverKey: deps.serverKey,
      idempotency: req.orion.idempotency,
      pageBatches: new PageBatches(deps.messaging.prisma),
    }),
    plugins: [
      ...graphqlProtections(deps.limits),
      inputGuard(),
      useFairDatabaseShare(),
      useApiErrors(deps.logger),
      multipartSubscriptions(),
    ],
  });
}
