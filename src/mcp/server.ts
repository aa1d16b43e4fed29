import { readFileSync } from 'node:fs';
import path from 'node:path';
// The low-level Server, not McpServer: McpServer answers arguments that fail a tool's input schema
// with its own text, and OrionOS answers them as REST does (INVALID_REQUEST in the error envelope).
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode as JsonRpcErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { DocumentNode, ExecutionResult, GraphQLError } from 'graphql';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/availability.js';
import { DATABASE_UNAVAILABLE, UNEXPECTED_ERROR, invalidRequest, type FieldError, type PublicError } from '../errors.js';
import { describeError } from '../graphql/errors.js';
import type { Logger } from '../logger.js';
import { PROJECT_ROOT } from '../paths.js';
import { TOOLS, type McpTool, type ToolCaller } from './tools.js';

const VERSION = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export const SERVER_INFO = { name: 'orionos', version: VERSION } as const;

export const INSTRUCTIONS = [
  'OrionOS hosts AI agents. With these tools you can list the agents of the account your API key belongs to',
  '(list_agents, get_agent), talk to one (send_message: each call is a turn of a stored conversation, and',
  'counts against the monthly message quota), and search an agent’s knowledge documents (search_knowledge).',
  'Tools your key has no scope for are not listed. A failed call answers isError with the error object',
  'OrionOS’s REST API gives: {"success":false,"error":{"code","message","details","requestId"}}.',
].join(' ');

/**
 * A tool as tools/list shows it: its input schema as JSON Schema (bounds included). No
 * outputSchema: the SDK's Client (1.32) checks any structuredContent against it, a failed call's
 * too, and so would reject the REST error envelope a failed call carries.
 */
function describeTool(tool: McpTool): Tool {
  const { $schema: _, ...inputSchema } = z.toJSONSchema(tool.input, { io: 'input' });
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: inputSchema as Tool['inputSchema'],
    annotations: tool.annotations,
  };
}

const LISTED = new Map(TOOLS.map((tool) => [tool.name, { tool, listing: describeTool(tool) }]));

/** The arguments' faults as REST names a body's: one per field, unknown ones by name. */
function argumentErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: key, message: 'is not an argument of this tool' }))
      : [{ field: issue.path.map(String).join('.') || '(arguments)', message: issue.message }],
  );
}

export type McpServerDeps = {
  /** The key's id and scopes. */
  caller: ToolCaller & { scopes: readonly string[] };
  requestId: string;
  logger: Logger;
  /** Runs an operation through the REST layer's pipeline for this HTTP request (rest/executor.ts). */
  execute(document: DocumentNode, variables: Record<string, unknown>): Promise<ExecutionResult<Record<string, unknown>>>;
};

function dataAt(data: Record<string, unknown> | null | undefined, field: string): unknown {
  let value: unknown = data;
  for (const key of field.split('.')) value = (value as Record<string, unknown> | null | undefined)?.[key];
  return value ?? null;
}

function result(structured: Record<string, unknown>, isError = false): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(structured) }],
    structuredContent: structured,
    ...(isError ? { isError: true } : {}),
  };
}

/**
 * A new MCP server for one HTTP request (the endpoint is stateless): tools/list shows the tools
 * the caller's key has every scope for; tools/call runs the tool's operation. Success: the
 * operation's data, as structuredContent and as JSON text. Failure: isError, with REST's error
 * envelope (the same code, message and details REST gives, and this request's id).
 */
export function createMcpServer({ caller, requestId, logger, execute }: McpServerDeps): Server {
  const server = new Server(SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  const failure = (error: PublicError) => result({ success: false, error: { ...error, requestId } }, true);

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [...LISTED.values()]
      .filter(({ tool }) => tool.scopes.every((scope) => caller.scopes.includes(scope)))
      .map(({ listing }) => listing),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const entry = LISTED.get(request.params.name);
    if (!entry) throw new McpError(JsonRpcErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    const parsed = entry.tool.input.safeParse(request.params.arguments ?? {});
    if (!parsed.success) {
      const { code, message, details } = invalidRequest(argumentErrors(parsed.error));
      return failure({ code, message, details });
    }
    // A tool the key cannot use is still run when called: GraphQL answers FORBIDDEN, as to REST.
    const operation = entry.tool.operation(parsed.data, caller);
    try {
      const outcome = await execute(operation.document, operation.variables);
      const first = outcome.errors?.[0];
      if (first) return failure(describeError(first as GraphQLError) ?? UNEXPECTED_ERROR);
      return result(dataAt(outcome.data, operation.field) as Record<string, unknown>);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        logger.warn({ requestId, err: error }, 'database unavailable');
        return failure(DATABASE_UNAVAILABLE);
      }
      logger.error({ requestId, err: error, tool: entry.tool.name }, 'MCP tool failed');
      return failure(UNEXPECTED_ERROR);
    }
  });
  return server;
}
