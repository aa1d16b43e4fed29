import type { Request, Response } from 'express';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { GraphQLError, getOperationAST, print, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Logger } from '../logger.js';
import { shapeResult, type OrionYoga, type ServerContext } from '../graphql/yoga.js';
import type { OrionRequest } from '../http/request-context.js';

type Result = ExecutionResult<Record<string, unknown>>;
type PreparedOperation = {
  query: string;
  operationName: string | undefined;
  body: (variables: Record<string, unknown>) => string;
  /**
   * The document as Yoga's parse returned it and what validation said of it, kept after the
   * first request: a route's document and the schema never change, and neither does what the
   * parse and validation hooks (graphql-armor's limits, introspection, field suggestions) say of
   * it. Checks that depend on the request (scopes, cost with its variables, the input guard, the
   * database share) run at execution, every time.
   */
  checked?: { document: DocumentNode; errors: readonly GraphQLError[] };
};

const prepared = new WeakMap<DocumentNode, PreparedOperation>();

/** Prints each operation once; Yoga's parse and validation caches then hit on every request. */
function prepare(document: DocumentNode): PreparedOperation {
  let op = prepared.get(document);
  if (!op) {
    const query = print(document);
    const operationName = getOperationAST(document)?.name?.value;
    const head = `{"query":${JSON.stringify(query)},"operationName":${JSON.stringify(operationName)},"variables":`;
    op = { query, operationName, body: (variables) => `${head}${JSON.stringify(variables)}}` };
    prepared.set(document, op);
  }
  return op;
}

/**
 * Runs a named operation through Yoga's own envelop pipeline (parse and validation caches,
 * graphql-armor, the context with auth, scopes, execution) in-process, and shapes its errors as
 * /graphql does. Only the HTTP encoding is skipped: the REST router has already read the request.
 */
export async function executeOperation(
  yoga: OrionYoga,
  req: Request,
  res: Response,
  document: DocumentNode,
  variables: Record<string, unknown>,
  logger: Logger,
): Promise<Result> {
  const op = prepare(document);
  const { operationName } = op;
  const requestId = (req as OrionRequest).orion.requestId;
  const { parse, validate, contextFactory, execute, schema } = yoga.getEnveloped({ req, res } as never);
  try {
    // Validation rules (graphql-armor's among them) may report or throw; a throw is not kept.
    if (!op.checked) {
      const parsed = parse(op.query);
      op.checked = { document: parsed, errors: [...validate(schema, parsed)] };
    }
    const { document: parsed, errors } = op.checked;
    if (errors.length) return shapeResult({ errors: [...errors] }, requestId, logger);
    const contextValue = await contextFactory();
    const result = (await execute({ schema, document: parsed, variableValues: variables, contextValue, operationName })) as Result;
    return shapeResult(result, requestId, logger);
  } catch (error) {
    if (error instanceof GraphQLError) return shapeResult({ errors: [error] }, requestId, logger);
    throw error;
  }
}

/**
 * Runs a subscription through the same pipeline, over Yoga's own Server-Sent Events, and yields
 * each result. Returning early (the client went away) cancels the subscription's stream, never
 * the work behind it.
 */
export async function* subscribeOperation(
  yoga: OrionYoga,
  req: Request,
  res: Response,
  document: DocumentNode,
  variables: Record<string, unknown>,
): AsyncGenerator<Result> {
  const response = await yoga.fetch(
    'http://orion.internal/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: prepare(document).body(variables),
    },
    { req, res } as ServerContext,
  );
  if (!response.body) return;
  if (!response.headers.get('content-type')?.includes('text/event-stream')) {
    yield (await response.json()) as Result;
    return;
  }
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || value.event === 'complete') return;
      if (value.event === undefined || value.event === 'next') yield JSON.parse(value.data) as Result;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
