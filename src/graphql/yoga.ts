import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { KeyCache } from '../services/key-cache.js';
import type { MessagingDeps } from '../services/messages.js';
import type { GraphQLLimits } from '../config.js';
import type { Logger } from '../logger.js';
import type { GraphQLContext, RequestState } from './context.js';
import { combineVariableErrors, withApiExtensions } from './errors.js';
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

function useApiErrors(logger: Logger): Plugin<ServerContext> {
  const shape = (result: ExecutionResult, requestId: string) => shapeResult(result, requestId, logger);
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

export function createOrionYoga(deps: {
  messaging: MessagingDeps;
  logger: Logger;
  limits: GraphQLLimits;
  keyCache: KeyCache;
}): OrionYoga {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    batching: false,
    landingPage: false,
    // Masking happens in useApiErrors, where the request id is known.
    maskedErrors: false,
    logging: {
      debug: (...args) => deps.logger.debug({ yoga: args.map(String) }),
      info: (...args) => deps.logger.info({ yoga: args.map(String) }),
      warn: (...args) => deps.logger.warn({ yoga: args.map(String) }),
      error: (...args) => deps.logger.error({ yoga: args.map(String) }),
    },
    graphiql: {
      title: 'OrionOS GraphQL explorer',
      defaultQuery: GRAPHIQL_EXAMPLE,
      headers: JSON.stringify({ Authorization: 'Bearer orn_live_...' }, null, 2),
    },
    context: ({ req }) => ({
      requestId: req.orion.requestId,
      auth: req.orion.auth,
      prisma: deps.messaging.prisma,
      logger: deps.logger,
      messaging: deps.messaging,
      keyCache: deps.keyCache,
    }),
    plugins: [...graphqlProtections(deps.limits), useApiErrors(deps.logger)],
  });
}
