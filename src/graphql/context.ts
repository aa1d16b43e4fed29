import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { AuthState } from '../services/api-keys.js';

/** What every resolver gets: who is calling, the request id, and the database. */
export type GraphQLContext = {
  requestId: string;
  auth: AuthState;
  prisma: PrismaClient;
  logger: Logger;
};

/** What the HTTP layer attaches to each request before GraphQL runs (both protocols). */
export type RequestState = Omit<GraphQLContext, 'prisma' | 'logger'>;
