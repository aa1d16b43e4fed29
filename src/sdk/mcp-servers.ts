import type { HttpClient } from './http.js';
import type { ApiResponse, ListResponse, Page, PageParams, RequestOptions } from './types.js';
import type {
  AgentMcpServerFieldsFragment,
  CreateMcpServerInput,
  DeleteMcpServerMutation,
  DisableMcpServerMutation,
  McpServerFieldsFragment,
  UpdateMcpServerInput,
} from '../rest/generated/operations.js';

/**
 * A registered MCP server: `{id, name, description, url, headerNames, timeoutMs, status, tools,
 * toolsListedAt, lastError, …}`. `status` is `ready` or `error` (then `lastError: {code, message}`
 * says why the last listing of its tools failed). Header values are never returned.
 */
export type McpServer = McpServerFieldsFragment;
/** An MCP server an agent uses: `tools` null for all of them, else the names it may call. */
export type AgentMcpServer = AgentMcpServerFieldsFragment;
/**
 * `name` (1–32: a-z, 0-9, _ and -) and `url` (https://) are required; `headers` (values stored
 * sealed, never returned), `description`, `timeoutMs` (1,000–60,000, default 10,000) optional.
 */
export type McpServerCreateParams = CreateMcpServerInput;
/** Each field given replaces the stored one; `headers` the whole map (null removes them all). */
export type McpServerUpdateParams = UpdateMcpServerInput;
/** `tools`: names from the server's `tools`; absent or null for all of them, including later ones. */
export type McpServerEnableParams = { tools?: string[] | null };
export type DeletedMcpServer = DeleteMcpServerMutation['deleteMcpServer'];
export type DisabledMcpServer = DisableMcpServerMutation['disableMcpServer'];

function segment(name: string, value: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return encodeURIComponent(value);
}

/** MCP servers your account registers as tool sources, and the agents that use them. */
export class McpServers {
  constructor(private readonly http: HttpClient) {}

  /**
   * POST /mcp-servers: registers the server and lists its tools. A server that cannot be listed
   * is registered all the same (`data.status === "error"`, `data.lastError`). ConflictError for
   * a name the account has.
   */
  create(params: McpServerCreateParams, options?: RequestOptions): Promise<ApiResponse<McpServer>> {
    return this.http.request({ method: 'POST', path: '/mcp-servers', body: params }, options);
  }

  /** GET /mcp-servers, newest first. */
  list(params: PageParams = {}, options?: RequestOptions): Promise<ApiResponse<Page<McpServer>>> {
    return this.http.request({ method: 'GET', path: '/mcp-servers', query: { page: params.page, limit: params.limit } }, options);
  }

  /** GET /mcp-servers/{mcpServerId}. */
  get(mcpServerId: string, options?: RequestOptions): Promise<ApiResponse<McpServer>> {
    return this.http.request({ method: 'GET', path: `/mcp-servers/${segment('mcpServerId', mcpServerId)}` }, options);
  }

  /** PATCH /mcp-servers/{mcpServerId}: a change of url, headers or timeoutMs lists the tools again. */
  update(mcpServerId: string, params: McpServerUpdateParams, options?: RequestOptions): Promise<ApiResponse<McpServer>> {
    return this.http.request({ method: 'PATCH', path: `/mcp-servers/${segment('mcpServerId', mcpServerId)}`, body: params }, options);
  }

  /** DELETE /mcp-servers/{mcpServerId}: every agent that used it stops using it. */
  delete(mcpServerId: string, options?: RequestOptions): Promise<ApiResponse<DeletedMcpServer>> {
    return this.http.request({ method: 'DELETE', path: `/mcp-servers/${segment('mcpServerId', mcpServerId)}` }, options);
  }

  /** POST /mcp-servers/{mcpServerId}/refresh: lists its tools again; answers the server with its new status. */
  refresh(mcpServerId: string, options?: RequestOptions): Promise<ApiResponse<McpServer>> {
    return this.http.request({ method: 'POST', path: `/mcp-servers/${segment('mcpServerId', mcpServerId)}/refresh` }, options);
  }

  /** GET /agents/{agentId}/mcp-servers: the servers the agent uses, in the order they were enabled. */
  listForAgent(agentId: string, options?: RequestOptions): Promise<ListResponse<AgentMcpServer>> {
    return this.http.request({ method: 'GET', path: `/agents/${segment('agentId', agentId)}/mcp-servers` }, options);
  }

  /**
   * PUT /agents/{agentId}/mcp-servers/{mcpServerId}: the agent uses the server, all its tools or
   * those named (InvalidRequestError names any the server does not offer).
   */
  enable(agentId: string, mcpServerId: string, params: McpServerEnableParams = {}, options?: RequestOptions): Promise<ApiResponse<AgentMcpServer>> {
    return this.http.request(
      { method: 'PUT', path: `/agents/${segment('agentId', agentId)}/mcp-servers/${segment('mcpServerId', mcpServerId)}`, body: params },
      options,
    );
  }

  /** DELETE /agents/{agentId}/mcp-servers/{mcpServerId}; NotFoundError when the agent does not use it. */
  disable(agentId: string, mcpServerId: string, options?: RequestOptions): Promise<ApiResponse<DisabledMcpServer>> {
    return this.http.request(
      { method: 'DELETE', path: `/agents/${segment('agentId', agentId)}/mcp-servers/${segment('mcpServerId', mcpServerId)}` },
      options,
    );
  }
}
