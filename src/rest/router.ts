import { type Request, type Response, Router } from 'express';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { UNEXPECTED_ERROR, invalidRequest, type FieldError, type PublicError } from '../errors.js';
import { describeError } from '../graphql/errors.js';
import type { RawBodyRequest } from '../http/idempotency.js';
import { MAX_PAGE_SIZE } from '../services/pagination.js';
import type { OrionYoga } from '../graphql/yoga.js';
import type { Logger } from '../logger.js';
import { otherMethods } from './allowed-methods.js';
import { deprecationNotice } from './deprecation.js';
import { sendData, sendError } from './envelope.js';
import { executeOperation, subscribeOperation } from './executor.js';
import { routes, type RestRoute } from './routes.js';

const INTEGER = /^-?\d{1,15}$/;

/** What an integer query parameter must be, in the words of the API reference. */
const INTEGER_RULES: Record<string, string> = {
  page: 'must be an integer ≥ 1',
  limit: `must be an integer from 1 to ${MAX_PAGE_SIZE}`,
};

export type RestOptions = {
  sseHeartbeatMs: number;
  /** How long a download may wait for a client that reads nothing before it is cut off. */
  downloadStallMs: number;
  logger: Logger;
};

/** Query strings are text: declared integers become numbers; the rest goes on for GraphQL to check. */
function queryVariables(route: RestRoute, query: Record<string, unknown>): Record<string, unknown> {
  const unknown = Object.keys(query).filter((name) => !Object.hasOwn(route.query, name));
  const notIntegers = Object.entries(route.query).filter(
    ([name, type]) => type === 'int' && query[name] !== undefined && !(typeof query[name] === 'string' && INTEGER.test(query[name])),
  );
  const notBooleans = Object.entries(route.query).filter(
    ([name, type]) => type === 'boolean' && query[name] !== undefined && query[name] !== 'true' && query[name] !== 'false',
  );
  const wrong = [
    ...unknown.map((field): FieldError => ({ field, message: 'is not a known query parameter' })),
    ...notIntegers.map(([field]): FieldError => ({ field, message: INTEGER_RULES[field] ?? 'must be an integer' })),
    ...notBooleans.map(([field]): FieldError => ({ field, message: 'must be true or false' })),
  ];
  if (wrong.length) throw invalidRequest(wrong);
  return Object.fromEntries(
    Object.entries(route.query)
      .filter(([name]) => query[name] !== undefined)
      .map(([name, type]) => [
        name,
        type === 'int' ? Number(query[name]) : type === 'boolean' ? query[name] === 'true' : query[name],
      ]),
  );
}

/** 1 to 999,999,999: within a GraphQL Int. */
const POSITIVE_INT32 = /^[1-9]\d{0,8}$/;

/** Path parameters as the operation's variables: those the route types as integers, converted. */
function pathVariables(route: RestRoute, params: Record<string, string>): Record<string, unknown> {
  const wrong = Object.keys(route.intParams ?? {}).filter((name) => !POSITIVE_INT32.test(params[name] ?? ''));
  if (wrong.length) throw invalidRequest(wrong.map((field) => ({ field, message: route.intParams![field]! })));
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [name, route.intParams?.[name] ? Number(value) : value]),
  );
}

function hasBody(req: Request): boolean {
  return Number(req.get('Content-Length') ?? 0) > 0 || req.get('Transfer-Encoding') !== undefined;
}

function requestBody(req: Request): Record<string, unknown> {
  // With no body at all, Express cannot tell its type: say what is missing, not that the type is wrong.
  if (!hasBody(req) || (req as RawBodyRequest).rawBody?.length === 0) {
    throw invalidRequest([{ field: '(body)', message: 'is empty; expected a JSON object' }]);
  }
  if (!req.is('application/json')) {
    throw invalidRequest(
      [{ field: '(body)', message: 'must be JSON, sent with Content-Type: application/json' }],
      'Content-Type must be application/json',
    );
  }
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest([{ field: '(body)', message: 'must be a JSON object' }]);
  }
  return body as Record<string, unknown>;
}

/** `"stream": true` in the body, or an Accept header that prefers event streams. */
function wantsStream(req: Request, body: Record<string, unknown> | undefined): boolean {
  const flag = body?.['stream'];
  if (flag !== undefined && typeof flag !== 'boolean') {
    throw invalidRequest([{ field: 'stream', message: 'must be a boolean' }]);
  }
  return flag ?? req.accepts(['application/json', 'text/event-stream']) === 'text/event-stream';
}

function dataAt(data: Record<string, unknown> | null | undefined, path: string): unknown {
  let value: unknown = data;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | null | undefined)?.[key];
  return value ?? null;
}

function firstError(result: ExecutionResult): PublicError | undefined {
  const first = result.errors?.[0];
  return first ? (describeError(first as GraphQLError) ?? UNEXPECTED_ERROR) : undefined;
}

/**
 * A subscription's first result, which decides the answer's kind: undefined when the operation
 * failed before producing anything (the ordinary JSON error is sent, and the subscription ended).
 */
async function firstResult(
  results: AsyncGenerator<ExecutionResult<Record<string, unknown>>>,
  res: Response,
): Promise<ExecutionResult<Record<string, unknown>> | undefined> {
  const first = await results.next();
  if (first.done) {
    sendError(res, UNEXPECTED_ERROR);
    return undefined;
  }
  const early = firstError(first.value);
  if (early) {
    sendError(res, early);
    await results.return(undefined);
    return undefined;
  }
  return first.value;
}

async function answerOnce(
  yoga: OrionYoga,
  route: RestRoute,
  req: Request,
  res: Response,
  variables: Record<string, unknown>,
  logger: Logger,
) {
  const result = await executeOperation(yoga, req, res, route.operation, variables, logger);
  const error = firstError(result);
  if (error) sendError(res, error);
  else {
    const existed = route.createdFlag !== undefined && dataAt(result.data, route.createdFlag) === false;
    sendData(res, existed ? 200 : route.status, dataAt(result.data, route.field));
  }
}

/**
 * Streams a reply as Server-Sent Events: `message.delta` {delta}... (with `tool.call` {callId,
 * tool, arguments} and `tool.result` {callId, tool, arguments, result, error, latencyMs} in
 * order among them when the model calls tools), then `message.completed`
 * with the same object a plain request returns, or `error` with the error object. A request
 * that fails before anything is produced gets the ordinary JSON error and status instead.
 */
async function answerAsStream(
  yoga: OrionYoga,
  stream: NonNullable<RestRoute['stream']>,
  req: Request,
  res: Response,
  variables: Record<string, unknown>,
  heartbeatMs: number,
) {
  const results = subscribeOperation(yoga, req, res, stream.operation, variables);
  const first = await firstResult(results, res);
  if (!first) return;
  const requestId = String(res.getHeader('X-Request-Id'));
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  // Writing after a disconnect is a no-op for the socket, but an idempotency record still sees it.
  const write = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const heartbeat = setInterval(() => {
    if (!res.destroyed) res.write(': heartbeat\n\n');
  }, heartbeatMs);
  // A client that leaves does not stop the reply: we read on to its end, so that it is stored
  // and so that a retry with the same Idempotency-Key replays it whole.
  try {
    let result: ExecutionResult<Record<string, unknown>> | undefined = first;
    while (result) {
      const error = firstError(result);
      if (error) {
        write('error', { ...error, requestId });
        break;
      }
      const event = dataAt(result.data, stream.field) as {
        __typename: string;
        delta?: string;
        message?: unknown;
        callId?: string;
        tool?: string;
        arguments?: unknown;
        toolCall?: unknown;
      };
      if (event.__typename === 'MessageDelta') write('message.delta', { delta: event.delta });
      else if (event.__typename === 'ToolCallStarted') {
        write('tool.call', { callId: event.callId, tool: event.tool, arguments: event.arguments });
      } else if (event.__typename === 'ToolCallFinished') write('tool.result', event.toolCall);
      else write('message.completed', event.message);
      const next = await results.next();
      result = next.done ? undefined : next.value;
    }
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}

/** Resolves when `res` can take more (or the client is gone). */
/**
 * Resolves when the socket has taken what was written, or is closed; a client that takes nothing
 * for `stallMs` is cut off, so that it does not hold its export's place and rows for ever.
 */
function drained(res: Response, stallMs: number): Promise<void> {
  return new Promise((resolve) => {
    const stalled = setTimeout(() => res.destroy(), stallMs);
    const done = () => {
      clearTimeout(stalled);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Answers with a file whose pieces a subscription yields (`{text, contentType, fileName}`
 * events): status 200, the first event's Content-Type, `Content-Disposition: attachment`, then
 * each piece as it comes. The subscription is read only as fast as the client takes the file
 * (each write that fills the socket's buffer waits for 'drain'), so memory stays bounded however
 * large the file; a client that leaves stops it (the subscription is returned, and its reading
 * with it). A request that fails before the first piece gets the ordinary JSON error and status;
 * one that fails later is cut off (the connection is destroyed without the final chunk), so a
 * client never mistakes a partial file for a whole one.
 */
async function answerAsDownload(
  yoga: OrionYoga,
  route: RestRoute,
  req: Request,
  res: Response,
  variables: Record<string, unknown>,
  logger: Logger,
  stallMs: number,
) {
  const results = subscribeOperation(yoga, req, res, route.operation, variables);
  let gone = false;
  const onClose = () => (gone = true);
  res.once('close', onClose);
  try {
    const first = await firstResult(results, res);
    if (!first) return;
    type Chunk = { text: string; contentType: string; fileName: string };
    const head = dataAt(first.data, route.field) as Chunk;
    res.status(200);
    res.attachment(head.fileName);
    res.set({ 'Content-Type': head.contentType, 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    if (req.method === 'HEAD') {
      res.end(); // The headers say what a GET would get; reading the file for nothing would not.
      return;
    }
    let result: ExecutionResult<Record<string, unknown>> | undefined = first;
    while (result && !gone) {
      const error = firstError(result);
      if (error) {
        logger.warn({ requestId: res.getHeader('X-Request-Id'), code: error.code }, 'a download failed midway; its connection is cut');
        res.destroy();
        return;
      }
      const { text } = dataAt(result.data, route.field) as Chunk;
      if (text && !res.write(text)) await drained(res, stallMs);
      if (gone) break;
      const next = await results.next();
      result = next.done ? undefined : next.value;
    }
    if (!gone) res.end();
  } finally {
    res.off('close', onClose);
    // Stops the subscription if it is not over (the client left, or it failed).
    await results.return(undefined);
  }
}

function handler(yoga: OrionYoga, route: RestRoute, options: RestOptions) {
  return async (req: Request, res: Response) => {
    const body = route.body === true || (route.body === 'optional' && hasBody(req)) ? requestBody(req) : undefined;
    const stream = route.stream && wantsStream(req, body);
    const { stream: _flag, ...input } = body ?? {};
    const variables: Record<string, unknown> = {
      ...pathVariables(route, req.params as Record<string, string>),
      ...queryVariables(route, req.query as Record<string, unknown>),
      ...(body ? { input: route.stream ? input : body } : {}),
    };
    if (route.download) await answerAsDownload(yoga, route, req, res, variables, options.logger, options.downloadStallMs);
    else if (stream && route.stream) await answerAsStream(yoga, route.stream, req, res, variables, options.sseHeartbeatMs);
    else await answerOnce(yoga, route, req, res, variables, options.logger);
  };
}

/** The /v1 router: the route table, 405 with Allow for known paths, 404 for the rest. */
export function createRestRouter(yoga: OrionYoga, options: RestOptions): Router {
  const router = Router({ strict: false, caseSensitive: true });

  const byPath = new Map<string, RestRoute[]>();
  for (const r of routes) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);

  for (const [path, pathRoutes] of byPath) {
    const chain = router.route(path);
    for (const r of pathRoutes) {
      const notice = deprecationNotice(r);
      const method = r.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
      if (notice) chain[method](notice, handler(yoga, r, options));
      else chain[method](handler(yoga, r, options));
    }
    chain.all(otherMethods(pathRoutes.map((r) => r.method), `/v1${path}`));
  }

  router.use((req, res) => {
    sendError(res, {
      code: 'NOT_FOUND',
      message: `No route ${req.method} /v1${req.path}`,
      details: {},
    });
  });
  return router;
}
