// GraphQL over WebSocket (the graphql-ws protocol, subprotocol `graphql-transport-ws`) on
// /graphql, for clients whose default subscription transport it is (Apollo Client's
// GraphQLWsLink, urql). Each operation runs through Yoga's envelop pipeline, so the GraphQL
// protections, input guard, fair database share and error shaping hold as over HTTP; what the
// HTTP middleware does for a request (authentication, rate limit, request id) is done here per
// connection and per operation.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { newRequestId } from '../ids.js';
import { WebSocketServer, type WebSocket } from 'ws';
import type { PrismaClient } from '../db/client.js';
import { ApiError, ERROR_STATUS, SHUTTING_DOWN, type PublicError } from '../errors.js';
import type { GraphQLContext } from '../graphql/context.js';
import { withApiExtensions } from '../graphql/errors.js';
import { refuseDeepParams } from '../graphql/input-guard.js';
import { shapeResult, type OrionYoga } from '../graphql/yoga.js';
import type { Logger } from '../logger.js';
import { authenticate, keyRequired, type AuthState } from '../services/api-keys.js';
import type { KeyCache } from '../services/key-cache.js';
import { rateLimitCounter, rateLimitExceeded, type RateLimits } from '../services/rate-limits.js';
import type { LifecycleState } from './operations.js';

/** graphql-ws's close codes (4401, 4403: its own conventions), and WebSocket's "going away". */
export const CLOSE = {
  goingAway: 1001,
  internalError: 1011,
  /** No API key in connection_init's payload. */
  unauthorized: 4401,
  /** An API key that is not (or no longer) valid. */
  forbidden: 4403,
  /** Too many refused attempts from this address. */
  tooManyRequests: 4429,
} as const;

export type WebSocketDeps = {
  yoga: OrionYoga;
  prisma: PrismaClient;
  keyCache: KeyCache;
  limits: RateLimits;
  logger: Logger;
  state: LifecycleState;
  anonymousRateLimitPerMinute: number;
  /** The largest message a client may send (the HTTP body limit). */
  maxPayloadBytes: number;
  /** The client's address, as the HTTP side sees it (TRUST_PROXY). */
  clientAddress(req: IncomingMessage): string;
};

export type GraphQLWebSockets = {
  /** Serves upgrades to /graphql on this HTTP server. */
  attach(server: Server): void;
  /** Shutdown begins: idle sockets close (1001) now, the others once their operations end. */
  drain(): void;
  /** The shutdown bound is reached: every socket is closed (1001) and dropped. */
  terminate(): void;
};

type Connection = {
  /** As presented in connection_init (or the upgrade's header), checked again for each operation. */
  authorization: string | undefined;
  /** Operations running, by id, with their request ids. */
  running: Map<string, string>;
};

type Enveloped = ReturnType<OrionYoga['getEnveloped']>;

/** The `Authorization` value a client put in connection_init (any of the usual spellings). */
function presentedAuthorization(params: Record<string, unknown> | undefined, header: string | undefined): string | undefined {
  const value = params?.['Authorization'] ?? params?.['authorization'];
  if (typeof value === 'string') return value;
  const apiKey = params?.['apiKey'];
  if (typeof apiKey === 'string') return apiKey === '' ? '' : `Bearer ${apiKey}`;
  return header;
}

/** A close reason carries the error's code first; WebSocket allows 123 bytes. */
function closeReason(error: PublicError): string {
  const reason = `${error.code}: ${error.message}`;
  const bytes = Buffer.from(reason);
  return bytes.length <= 123 ? reason : bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD*$/, '') + '...';
}

const MISSING_KEY: PublicError = {
  code: 'UNAUTHORIZED',
  message: 'Missing API key: send {"Authorization": "Bearer <API key>"} in connection_init',
  details: {},
};

/** What a client receives: the API's extensions, without the HTTP-only ones. */
function wireError(error: GraphQLError): GraphQLFormattedError {
  const json = error.toJSON();
  if (json.extensions) {
    const { http: _http, ...extensions } = json.extensions as Record<string, unknown>;
    return { ...json, extensions };
  }
  return json;
}

/** Answers an upgrade that is not served, in the caller's protocol (a GraphQL error body). */
function refuseUpgrade(socket: Duplex, error: PublicError, requestId: string, headers: Record<string, string> = {}): void {
  const status = ERROR_STATUS[error.code];
  const body = JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code, details: error.details, requestId } }] });
  const lines = [
    `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : status === 503 ? 'Service Unavailable' : 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    'Cache-Control: no-store',
    'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

export function graphqlWebSockets(deps: WebSocketDeps): GraphQLWebSockets {
  const { logger, state } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.maxPayloadBytes });
  const connections = new Map<WebSocket, Connection>();
  const enveloped = new WeakMap<object, Enveloped>();
  let draining = false;

  const closeIfIdle = (socket: WebSocket) => {
    if (draining && !connections.get(socket)?.running.size) socket.close(CLOSE.goingAway, closeReason(SHUTTING_DOWN));
  };

  const shaped = (errors: readonly GraphQLError[], requestId: string): GraphQLError[] =>
    [...(shapeResult({ errors }, requestId, logger).errors ?? [])];

  /** Authenticates as the HTTP middleware does, the key cache and revocations included. */
  const authenticated = (connection: Connection): Promise<AuthState> =>
    authenticate(deps.prisma, connection.authorization, new Date(), deps.keyCache);

  type Ctx = Context<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>;

  type Payload = {
    query: string;
    operationName?: string | null;
    variables?: Record<string, unknown> | null;
    extensions?: Record<string, unknown> | null;
  };

  /** What the HTTP middleware and Yoga do before executing, for one operation: its args, or why not. */
  const prepare = async (ctx: Ctx, id: string, payload: Payload, requestId: string): Promise<ExecutionArgs | readonly GraphQLError[]> => {
    const socket = ctx.extra.socket;
    const connection = connections.get(socket)!;
    if (state.shuttingDown) return [new ApiError(SHUTTING_DOWN.code, SHUTTING_DOWN.message, SHUTTING_DOWN.details)];
    const auth = await authenticated(connection);
    if (auth.kind !== 'key') {
      // Revoked or expired since the connection began: this operation is refused, then the socket closed.
      const error = keyRequired(auth);
      setImmediate(() => socket.close(CLOSE.forbidden, closeReason(error)));
      return [error];
    }
    // Each operation counts as one request against the account's limit, as over HTTP.
    const counter = rateLimitCounter(auth, deps.clientAddress(ctx.extra.request), deps.anonymousRateLimitPerMinute);
    const decision = await deps.limits
      .consume(counter.key, counter.limit)
      .catch((error: unknown) => {
        // Both stores failing is a bug of ours, not the client's: serve rather than refuse (as over HTTP).
        logger.error({ requestId, err: error }, 'rate limiter failed');
        return undefined;
      });
    if (decision && !decision.allowed) {
      const refusal = rateLimitExceeded(decision);
      return [new ApiError(refusal.code, refusal.message, refusal.details)];
    }
    refuseDeepParams(payload);
    // The initial context is what Yoga's context factory reads from an HTTP request (req.orion).
    const envelope = deps.yoga.getEnveloped({ req: { orion: { requestId, auth } }, params: payload } as never);
    let document;
    try {
      document = envelope.parse(payload.query);
    } catch (error) {
      if (error instanceof GraphQLError) return [error];
      throw error;
    }
    const errors = envelope.validate(envelope.schema, document);
    if (errors.length) return errors;
    const contextValue = (await envelope.contextFactory()) as GraphQLContext;
    enveloped.set(contextValue, envelope);
    logger.info({ requestId, transport: 'websocket', operationName: payload.operationName ?? undefined, accountId: auth.account.id, id }, 'graphql operation');
    return {
      schema: envelope.schema,
      document,
      operationName: payload.operationName ?? undefined,
      variableValues: payload.variables ?? undefined,
      contextValue,
    };
  };

  useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      isProd: true,
      execute: (args) => enveloped.get(args.contextValue as object)!.execute(args) as never,
      subscribe: (args) => enveloped.get(args.contextValue as object)!.subscribe(args) as never,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const connection: Connection = {
          authorization: presentedAuthorization(ctx.connectionParams, request.headers.authorization),
          running: new Map(),
        };
        let auth: AuthState;
        try {
          auth = await authenticated(connection);
        } catch (error) {
          // The database unavailable (SERVICE_UNAVAILABLE) or a bug of ours (INTERNAL_ERROR, logged).
          const [described] = shaped([new GraphQLError('authentication failed', { originalError: error as Error })], newRequestId());
          socket.close(CLOSE.internalError, `${String(described!.extensions['code'])}: ${described!.message}`.slice(0, 120));
          return false;
        }
        if (auth.kind === 'key') {
          connections.set(socket, connection);
          return true;
        }
        // Refused attempts count against the address, as anonymous HTTP requests do: keys cannot be guessed at speed.
        const counter = rateLimitCounter(auth, deps.clientAddress(request), deps.anonymousRateLimitPerMinute);
        const decision = await deps.limits.consume(counter.key, counter.limit).catch(() => undefined);
        if (decision && !decision.allowed) {
          socket.close(CLOSE.tooManyRequests, closeReason({ code: 'RATE_LIMIT_EXCEEDED', message: `Try again in ${decision.retryAfter} seconds`, details: {} }));
        } else if (auth.kind === 'anonymous') {
          socket.close(CLOSE.unauthorized, closeReason(MISSING_KEY));
        } else {
          socket.close(CLOSE.forbidden, closeReason(keyRequired(auth)));
        }
        return false;
      },
      onSubscribe: async (ctx, id, payload) => {
        const requestId = newRequestId();
        const connection = connections.get(ctx.extra.socket)!;
        connection.running.set(id, requestId);
        try {
          const prepared = await prepare(ctx, id, payload, requestId);
          return Array.isArray(prepared) ? shaped(prepared, requestId) : (prepared as ExecutionArgs);
        } catch (error) {
          const asGraphQL = error instanceof GraphQLError ? error : new GraphQLError('unexpected', { originalError: error as Error });
          return shaped([asGraphQL], requestId);
        }
      },
      onNext: (_ctx, _id, _payload, args, result) => {
        const requestId = (args.contextValue as GraphQLContext).requestId;
        const { errors, ...rest } = shapeResult(result as ExecutionResult, requestId, logger);
        return errors ? { ...rest, errors: errors.map(wireError) } : rest;
      },
      onError: (ctx, id, _payload, errors) => {
        const connection = connections.get(ctx.extra.socket);
        const requestId = connection?.running.get(id) ?? newRequestId();
        connection?.running.delete(id);
        setImmediate(() => closeIfIdle(ctx.extra.socket));
        // Errors made in onSubscribe are shaped already; shaping again keeps them as they are.
        return shaped(errors, requestId).map(wireError);
      },
      onComplete: (ctx, id) => {
        connections.get(ctx.extra.socket)?.running.delete(id);
        setImmediate(() => closeIfIdle(ctx.extra.socket));
      },
      onClose: (ctx) => {
        connections.delete(ctx.extra.socket);
      },
    },
    wss,
  );

  return {
    attach(server) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const requestId = newRequestId();
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        if (path !== '/graphql') {
          refuseUpgrade(socket, { code: 'NOT_FOUND', message: `No WebSocket endpoint at ${path}: GraphQL over WebSocket is at /graphql`, details: {} }, requestId);
          return;
        }
        if (state.shuttingDown) {
          refuseUpgrade(socket, SHUTTING_DOWN, requestId, { 'Retry-After': '1' });
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      });
    },
    drain() {
      draining = true;
      for (const socket of wss.clients) {
        // A socket that never finished connection_init has nothing to wait for either.
        if (!connections.has(socket)) socket.close(CLOSE.goingAway, closeReason(SHUTTING_DOWN));
        else closeIfIdle(socket);
      }
    },
    terminate() {
      draining = true;
      for (const socket of wss.clients) {
        socket.close(CLOSE.goingAway, closeReason(SHUTTING_DOWN));
        // The close handshake is not waited for: the bound is reached.
        setImmediate(() => socket.terminate());
      }
    },
  };
}
