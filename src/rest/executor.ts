import type { Request, Response } from 'express';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { getOperationAST, print, type DocumentNode, type ExecutionResult } from 'graphql';
import type { OrionYoga, ServerContext } from '../graphql/yoga.js';

type Result = ExecutionResult<Record<string, unknown>>;
type PreparedOperation = { body: (variables: Record<string, unknown>) => string };

const prepared = new WeakMap<DocumentNode, PreparedOperation>();

/** Prints each operation once; Yoga's parse and validation caches then hit on every request. */
function prepare(document: DocumentNode): PreparedOperation {
  let op = prepared.get(document);
  if (!op) {
    const query = print(document);
    const operationName = getOperationAST(document)?.name?.value;
    const head = `{"query":${JSON.stringify(query)},"operationName":${JSON.stringify(operationName)},"variables":`;
    op = { body: (variables) => `${head}${JSON.stringify(variables)}}` };
    prepared.set(document, op);
  }
  return op;
}

function send(
  yoga: OrionYoga,
  req: Request,
  res: Response,
  document: DocumentNode,
  variables: Record<string, unknown>,
  accept: string,
) {
  return yoga.fetch(
    'http://orion.internal/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: prepare(document).body(variables),
    },
    { req, res } as ServerContext,
  );
}

/**
 * Runs a named operation through the same Yoga pipeline as /graphql (context, auth, error
 * shaping), in-process: no socket, but the very plugins an HTTP client would go through.
 */
export async function executeOperation(
  yoga: OrionYoga,
  req: Request,
  res: Response,
  document: DocumentNode,
  variables: Record<string, unknown>,
): Promise<Result> {
  const response = await send(yoga, req, res, document, variables, 'application/json');
  return (await response.json()) as Result;
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
  const response = await send(yoga, req, res, document, variables, 'text/event-stream');
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
