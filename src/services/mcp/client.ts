import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { outboundFetch } from '../outbound/fetch.js';
import { OutboundError } from '../outbound/request.js';
import type { JsonSchema } from '../plugins/catalog.js';
import { OUTBOUND_CODES, ToolFailure } from '../tools/failure.js';

/** Where an MCP server is and what every request to it carries. */
export type McpEndpoint = {
  url: string;
  /** Opened header values (Authorization, API keys...). */
  headers: Record<string, string>;
  /** For connecting, and for each request after. */
  timeoutMs: number;
};

export type McpConnectOptions = {
  /** ORION_ALLOW_PRIVATE_NETWORKS. */
  allowPrivateNetworks: boolean;
  signal?: AbortSignal;
};

/** A tool an MCP server offers, as OrionOS keeps it (tools/list, normalised). */
export type McpToolDefinition = {
  name: string;
  title?: string;
  description: string;
  /** An object schema; `$schema` removed (draft names vary between servers). */
  inputSchema: JsonSchema;
  annotations?: Record<string, unknown>;
};

export const MCP_LIMITS = {
  /** One HTTP answer of the server (a tools/list page, a call's result, an SSE stream). */
  responseBytes: 1024 * 1024,
  /** What a tool call hands back to the model, as JSON. */
  resultBytes: 64 * 1024,
  /** Tools kept per server, and pages of tools/list read to find them. */
  tools: 200,
  listPages: 20,
  description: 2_000,
} as const;

const CLIENT_INFO = { name: 'orionos', version: '1' };

/**
 * What went wrong talking to an MCP server, as a ToolFailure (the codes a tool call records).
 * `transportError` is the last error the transport reported on the side (an SSE stream that broke
 * or grew too large): when the request itself only timed out, that error says why.
 */
export function mcpFailure(error: unknown, transportError?: unknown): ToolFailure {
  if (error instanceof ToolFailure) return error;
  if (error instanceof OutboundError) return new ToolFailure(OUTBOUND_CODES[error.failure], error.message);
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    if (transportError instanceof OutboundError && transportError.failure === 'too_large') return mcpFailure(transportError);
    return new ToolFailure('TOOL_TIMEOUT', 'The MCP server did not answer in time');
  }
  if (error instanceof StreamableHTTPError) {
    return new ToolFailure('TOOL_HTTP_ERROR', `The MCP server answered HTTP ${error.code ?? 'error'}`);
  }
  if (error instanceof McpError) return new ToolFailure('TOOL_FAILED', `The MCP server refused: ${truncate(error.message, 300)}`);
  // The caller's deadline (an aborted signal's reason: AbortError, or TimeoutError from AbortSignal.timeout).
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return new ToolFailure('TOOL_TIMEOUT', 'No answer from the MCP server in the time left');
  // Anything else (an answer that does not parse, a schema the SDK cannot use...): the server's
  // answer was not one OrionOS could use. Failures to reach it are OutboundErrors, handled above.
  return new ToolFailure('TOOL_INVALID_RESPONSE', 'The MCP server did not answer as the protocol says');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An initialised connection to one MCP server; close it when done. */
export class McpSession {
  private transportError: unknown;

  private constructor(
    private readonly client: Client,
    private readonly endpoint: McpEndpoint,
  ) {}

  /** Connects and initialises (one round trip, plus the `initialized` notification). */
  static async open(endpoint: McpEndpoint, options: McpConnectOptions): Promise<McpSession> {
    const transport = new StreamableHTTPClientTransport(new URL(endpoint.url), {
      fetch: outboundFetch({ allowPrivateNetworks: options.allowPrivateNetworks, maxResponseBytes: MCP_LIMITS.responseBytes }),
      requestInit: { headers: endpoint.headers },
      // A broken stream is not retried: a call that loses its answer fails, within its timeout.
      reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1_000, maxReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 1 },
    });
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    const session = new McpSession(client, endpoint);
    client.onerror = (error) => {
      session.transportError = (error as { cause?: unknown }).cause ?? error;
    };
    try {
      await client.connect(transport, session.requestOptions(options.signal));
    } catch (error) {
      await client.close().catch(() => {});
      throw mcpFailure(error, session.transportError);
    }
    return session;
  }

  /** Each request within the server's timeout, and cancelled with `signal` (the caller's deadline). */
  private requestOptions(signal?: AbortSignal) {
    return { timeout: this.endpoint.timeoutMs, ...(signal ? { signal } : {}) };
  }

  /** Every tool the server offers (following pages), normalised; at most MCP_LIMITS.tools. */
  async listTools(signal?: AbortSignal): Promise<McpToolDefinition[]> {
    const tools: McpToolDefinition[] = [];
    let cursor: string | undefined;
    try {
      for (let page = 0; page < MCP_LIMITS.listPages && tools.length < MCP_LIMITS.tools; page++) {
        const answer = await this.client.listTools(cursor ? { cursor } : {}, this.requestOptions(signal));
        for (const tool of answer.tools) {
          if (tools.length >= MCP_LIMITS.tools) break;
          const { $schema: _ignored, ...inputSchema } = tool.inputSchema as JsonSchema;
          tools.push({
            name: tool.name,
            ...(tool.title ? { title: tool.title } : {}),
            description: truncate(tool.description ?? '', MCP_LIMITS.description),
            inputSchema: { ...inputSchema, type: 'object' },
            ...(tool.annotations ? { annotations: tool.annotations as Record<string, unknown> } : {}),
          });
        }
        cursor = answer.nextCursor;
        if (!cursor) break;
      }
    } catch (error) {
      throw mcpFailure(error, this.transportError);
    }
    return tools;
  }

  /**
   * Calls a tool and answers what the model receives: the structured content when the server
   * gave some, else the text it answered (or the content items when not all text). A result the
   * server marks `isError` is a TOOL_FAILED with its text; an answer above
   * MCP_LIMITS.resultBytes is TOOL_RESPONSE_TOO_LARGE.
   */
  async callTool(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    let result: CallToolResult;
    try {
      result = (await this.client.callTool({ name, arguments: args }, undefined, this.requestOptions(signal))) as CallToolResult;
    } catch (error) {
      throw mcpFailure(error, this.transportError);
    }
    const value = toolValue(result);
    if (result.isError) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      throw new ToolFailure('TOOL_FAILED', truncate(text || 'The MCP tool reported an error', 1_000));
    }
    if (Buffer.byteLength(JSON.stringify(value ?? null)) > MCP_LIMITS.resultBytes) {
      throw new ToolFailure('TOOL_RESPONSE_TOO_LARGE', `The MCP tool answered more than ${MCP_LIMITS.resultBytes} bytes`);
    }
    return value;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => {});
  }
}

function toolValue(result: CallToolResult): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  const content = result.content ?? [];
  if (content.every((item) => item.type === 'text')) return content.map((item) => (item as { text: string }).text).join('\n');
  // Images and audio as what they are, without their bytes: a model reads text.
  return content.map((item) =>
    item.type === 'text'
      ? item
      : item.type === 'image' || item.type === 'audio'
        ? { type: item.type, mimeType: item.mimeType }
        : item.type === 'resource'
          ? { type: 'resource', uri: item.resource.uri, ...('text' in item.resource ? { text: item.resource.text } : {}) }
          : item,
  );
}

/** Opens a session, runs `use`, and closes it whatever happens. */
export async function withMcpSession<T>(endpoint: McpEndpoint, options: McpConnectOptions, use: (session: McpSession) => Promise<T>): Promise<T> {
  const session = await McpSession.open(endpoint, options);
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}
