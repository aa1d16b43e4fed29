import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { OrionYoga } from '../graphql/yoga.js';
import { restJsonBody } from '../http/body.js';
import type { OrionRequest } from '../http/request-context.js';
import type { Logger } from '../logger.js';
import { otherMethods } from '../rest/allowed-methods.js';
import { executeOperation } from '../rest/executor.js';
import { keyRequired } from '../services/api-keys.js';
import { createMcpServer } from './server.js';

export const MCP_PATH = '/mcp';

const JSON_RPC_INVALID_REQUEST = -32600;

/** Every MCP request needs a valid key: 401 (WWW-Authenticate: Bearer) before its body is read. */
function requireKey(req: Request, res: Response, next: NextFunction): void {
  const { auth } = (req as OrionRequest).orion;
  if (auth.kind === 'key') return next();
  // A body is left unread: the connection is not reused after the answer.
  if (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0) {
    res.set('Connection', 'close');
  }
  throw keyRequired(auth);
}

/**
 * OrionOS as an MCP server over Streamable HTTP, stateless: each POST gets a new server and
 * transport, answering in JSON (no SSE stream, no session), so any instance can serve any
 * request. Authentication and the per-key rate limit are the app's, as for every path; the
 * body is read within the same limit as /graphql's. GET (a server stream) and DELETE (end of a
 * session) have nothing to serve: 405 with Allow.
 */
export function mcpRouter(yoga: OrionYoga, options: { bodyLimitBytes: number; logger: Logger }): Router {
  const { logger } = options;
  const router = Router({ strict: false, caseSensitive: true });
  router.post(MCP_PATH, requireKey, restJsonBody(options.bodyLimitBytes), async (req: Request, res: Response) => {
    const { auth, requestId } = (req as OrionRequest).orion;
    if (auth.kind !== 'key') throw keyRequired(auth); // requireKey let it through only with one
    // One JSON-RPC message per request (batches left the protocol in 2025-06-18): a batch would
    // run up to 100 tool calls for one count of the rate limit.
    if (Array.isArray((req as Request & { body: unknown }).body)) {
      res.status(400).json({
        jsonrpc: '2.0',
        id: null,
        error: { code: JSON_RPC_INVALID_REQUEST, message: 'Batches are not supported: send one JSON-RPC message per request' },
      });
      return;
    }
    const server = createMcpServer({
      caller: { keyId: auth.key.id, scopes: auth.key.scopes },
      requestId,
      logger,
      execute: (document, variables) => executeOperation(yoga, req, res, document, variables, logger),
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      // Only a body restJsonBody left unread (a type it does not parse) reaches the transport's own reader.
      maxRequestBodySize: options.bodyLimitBytes,
    });
    res.once('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, (req as Request & { body: unknown }).body);
  });
  router.all(MCP_PATH, otherMethods(['POST'], MCP_PATH));
  return router;
}
