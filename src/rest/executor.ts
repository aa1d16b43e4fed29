import type { Request, Response } from 'express';
import { getOperationAST, print, type DocumentNode, type ExecutionResult } from 'graphql';
import type { OrionYoga, ServerContext } from '../graphql/yoga.js';

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
): Promise<ExecutionResult<Record<string, unknown>>> {
  const response = await yoga.fetch(
    'http://orion.internal/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: prepare(document).body(variables),
    },
    { req, res } as ServerContext,
  );
  return (await response.json()) as ExecutionResult<Record<string, unknown>>;
}
