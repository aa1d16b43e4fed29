import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { AuthState } from '../services/api-keys.js';
import type { CommitMark } from '../services/idempotency.js';
import type { KeyCache } from '../services/key-cache.js';
import type { MessagingDeps } from '../services/messages.js';
import type { PageBatches } from '../services/pagination.js';

/** What every resolver gets: who is calling, the request id, the database and the models. */
export type GraphQLContext = {
  requestId: string;
  auth: AuthState;
  prisma: PrismaClient;
  logger: Logger;
  messaging: MessagingDeps;
  /** Authentication cache: revoking keys and changing accounts must invalidate it. */
  keyCache: KeyCache;
  /** Set when the request claimed an Idempotency-Key: writes run `commit` in their transaction. */
  idempotency?: { commit: CommitMark };
  /** Seals stored secrets (agents' tool secrets); undefined: none configured (see services/server-key.ts). */
  serverKey: string | undefined;
  /** Nested connections of this request, paged together (one per request). */
  pageBatches: PageBatches;
};

/** What the HTTP layer attaches to each request before GraphQL runs (both protocols). */
export type RequestState = Pick<GraphQLContext, 'requestId' | 'auth' | 'idempotency'>;
