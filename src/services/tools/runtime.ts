import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import { Webhook } from 'standardwebhooks';
import type { PrismaClient } from '../../db/client.js';
import type { Agent, AgentPlugin, Tool } from '../../db/generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import { OutboundError, outboundPost } from '../outbound/request.js';
import type { RetrievedChunk } from '../knowledge/retrieval.js';
import { KNOWLEDGE_TOOL, KNOWLEDGE_TOOL_LIMITS, pluginById, type JsonSchema, type ToolDefinition } from '../plugins/catalog.js';
import { loadMcpToolRows, McpSessions, mcpTools, type McpToolRow } from '../mcp/tools.js';
import { calculate, currentTime, type CalculatorConfig, type TimeConfig } from './builtins.js';
import { unsafePatternPaths } from '../schema-patterns.js';
import { OUTBOUND_CODES, ToolFailure, type ToolErrorCode } from './failure.js';
import type { ToolCallRecord } from './types.js';

/**
 * The most tools a model is offered in one request (OpenAI's limit, the strictest): the agent's
 * own tools come first, then its MCP servers' in the order they were enabled; MCP tools beyond
 * the limit are left out of the send (and logged), never an error.
 */
export const MAX_MODEL_TOOLS = 128;

/** The rows a send reads for an agent's tools. */
export type ToolRows = { plugins: Pick<AgentPlugin, 'pluginId' | 'config'>[]; tools: Tool[]; mcpServers: McpToolRow[] };

/**
 * The agent's plugin configs, (with `http` enabled) custom tools and (with MCP servers enabled)
 * MCP servers: nothing at all, and no statement, for an agent with neither plugins nor MCP
 * servers; else one statement for each kind it has, run together.
 */
export async function loadToolRows(
  prisma: PrismaClient,
  agent: Pick<Agent, 'id' | 'accountId' | 'enabledPlugins' | 'enabledMcpServers'>,
): Promise<ToolRows | undefined> {
  if (agent.enabledPlugins.length === 0 && agent.enabledMcpServers.length === 0) return undefined;
  const where = { agentId: agent.id, accountId: agent.accountId };
  const [plugins, tools, mcpServers] = await Promise.all([
    agent.enabledPlugins.length > 0 ? prisma.agentPlugin.findMany({ where, select: { pluginId: true, config: true } }) : [],
    agent.enabledPlugins.includes('http') ? prisma.tool.findMany({ where, orderBy: { id: 'asc' } }) : [],
    agent.enabledMcpServers.length > 0 ? loadMcpToolRows(prisma, agent) : [],
  ]);
  return { plugins, tools, mcpServers };
}

/** Where a tool call happens: part of what a custom tool receives. */
export type ToolCallContext = { agentId: string; conversationId: string; messageId?: string };

export type ToolRuntimeOptions = {
  /** ORION_ALLOW_PRIVATE_NETWORKS. */
  allowPrivateNetworks: boolean;
  /** The agent's tool-signing secret (opened), for custom tools. */
  toolSecret: string | undefined;
  logger: Logger;
  /** Searches the agent's own knowledge, for the `knowledge` plugin (without: that plugin has no tool). */
  searchKnowledge?: KnowledgeSearch;
  /** Opens the sealed header values of MCP servers. */
  serverKey?: string;
};

/** The best chunks of the agent's own documents for a query, at most `limit`. */
export type KnowledgeSearch = (query: string, limit: number) => Promise<RetrievedChunk[]>;

/** What search_knowledge returns to the model (and records in `toolCalls`). */
export function knowledgeToolResult(query: string, chunks: RetrievedChunk[]) {
  return {
    query,
    chunks: chunks.map((c) => ({
      documentId: c.documentId,
      title: c.documentTitle,
      chunk: c.position,
      heading: c.heading,
      text: c.text,
      score: c.score,
    })),
  };
}

type RunnableTool = ToolDefinition & {
  /** Custom and MCP tools call out (I/O); built-ins run in-process. */
  remote: boolean;
  /**
   * How the arguments are checked, when not with `validatorFor(parameters)` (MCP tools: see
   * mcpValidatorFor); undefined from it: not checked here (the server checks them).
   */
  validator?(): ValidateFunction | undefined;
  run(args: Record<string, unknown>, context: ToolCallContext & { callId: string }, signal: AbortSignal | undefined): Promise<unknown>;
};

// Validators compiled once per schema (custom tools' schemas repeat from send to send).
const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: true });
const validators = new Map<string, ValidateFunction | null>();
const MAX_VALIDATORS = 1000;

/**
 * The schema's validator; undefined for a schema holding a regular expression that could
 * backtrack (stored before such schemas were refused): the tool then checks its own arguments.
 */
function validatorFor(schema: JsonSchema): ValidateFunction | undefined {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (validate === undefined) {
    if (validators.size >= MAX_VALIDATORS) {
      validators.clear();
      ajv.removeSchema();
    }
    validate = unsafePatternPaths(schema).length > 0 ? null : ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate ?? undefined;
}

/** The JSON body a custom tool receives. */
export type ToolRequestPayload = {
  tool: string;
  arguments: Record<string, unknown>;
  agentId: string;
  conversationId: string;
  messageId?: string;
  callId: string;
};

function customTool(row: Tool, options: ToolRuntimeOptions): RunnableTool {
  const parameters = row.parameters as JsonSchema;
  return {
    name: row.name,
    description: row.description,
    parameters,
    remote: true,
    async run(args, context, signal) {
      if (!options.toolSecret) throw new ToolFailure('TOOL_FAILED', 'The agent has no tool-signing secret');
      const payload: ToolRequestPayload = {
        tool: row.name,
        arguments: args,
        agentId: context.agentId,
        conversationId: context.conversationId,
        ...(context.messageId ? { messageId: context.messageId } : {}),
        callId: context.callId,
      };
      const body = JSON.stringify(payload);
      // Standard Webhooks, exactly as webhooks are signed: HMAC-SHA256 of "id.timestamp.body".
      const msgId = `msg_${randomUUID().replaceAll('-', '')}`;
      const timestamp = new Date();
      const signature = new Webhook(options.toolSecret).sign(msgId, timestamp, body);
      let response;
      try {
        response = await outboundPost(
          row.url,
          body,
          {
            'content-type': 'application/json',
            accept: 'application/json',
            'webhook-id': msgId,
            'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
            'webhook-signature': signature,
          },
          { allowPrivateNetworks: options.allowPrivateNetworks, timeoutMs: row.timeoutMs, signal },
        );
      } catch (error) {
        if (error instanceof OutboundError) throw new ToolFailure(OUTBOUND_CODES[error.failure], error.message);
        throw error;
      }
      if (response.status < 200 || response.status >= 300) {
        throw new ToolFailure('TOOL_HTTP_ERROR', `The tool answered HTTP ${response.status}`);
      }
      if (response.body.length === 0) return null;
      try {
        return JSON.parse(response.body.toString('utf8')) as unknown;
      } catch {
        throw new ToolFailure('TOOL_INVALID_RESPONSE', 'The tool did not answer with JSON');
      }
    },
  };
}

function builtInTools(
  pluginId: string,
  config: Record<string, unknown>,
  options: ToolRuntimeOptions,
  found: RetrievedChunk[],
): RunnableTool[] {
  const plugin = pluginById(pluginId);
  if (!plugin) return [];
  return plugin.tools.flatMap((definition): RunnableTool[] => {
    const base = { ...definition, remote: false };
    switch (definition.name) {
      case 'calculate':
        return [{ ...base, run: async (args) => calculate(args as { expression: string }, config as CalculatorConfig) }];
      case 'current_time':
        return [{ ...base, run: async (args) => currentTime(args as { timeZone?: string }, config as TimeConfig) }];
      case KNOWLEDGE_TOOL: {
        const search = options.searchKnowledge;
        if (!search) return [];
        const run = async (args: Record<string, unknown>) => {
          const { query, limit } = args as { query: string; limit?: number };
          const chunks = await search(query, limit ?? KNOWLEDGE_TOOL_LIMITS.limitDefault);
          found.push(...chunks);
          return knowledgeToolResult(query, chunks);
        };
        return [{ ...base, run }];
      }
      default:
        return [];
    }
  });
}

/**
 * The tools an agent may call during one send, and how to call them. A call never throws: its
 * outcome (result or error) is the record the reply stores and the model receives.
 */
export class Toolset {
  private readonly byName: Map<string, RunnableTool>;

  private constructor(
    tools: RunnableTool[],
    private readonly logger: Logger,
    /** The chunks search_knowledge returned during this send, in order (what the reply cites). */
    readonly knowledgeFound: RetrievedChunk[],
    private readonly mcpSessions: McpSessions | undefined,
  ) {
    this.byName = new Map(tools.map((tool) => [tool.name, tool]));
  }

  static build(agent: Pick<Agent, 'id' | 'enabledPlugins'>, rows: ToolRows, options: ToolRuntimeOptions): Toolset | undefined {
    const configs = new Map(rows.plugins.map((p) => [p.pluginId, (p.config ?? {}) as Record<string, unknown>]));
    const tools: RunnableTool[] = [];
    const found: RetrievedChunk[] = [];
    for (const pluginId of agent.enabledPlugins) {
      if (pluginId === 'http') tools.push(...rows.tools.map((row) => customTool(row, options)));
      else tools.push(...builtInTools(pluginId, configs.get(pluginId) ?? {}, options, found));
    }
    let sessions: McpSessions | undefined;
    if (rows.mcpServers.length > 0) {
      sessions = new McpSessions({ allowPrivateNetworks: options.allowPrivateNetworks, serverKey: options.serverKey });
      // Named after the agent's own tools, which keep their names (see modelToolName).
      const mcp = mcpTools(rows.mcpServers, new Set(tools.map((tool) => tool.name)), sessions, MAX_MODEL_TOOLS - tools.length);
      tools.push(...mcp.tools);
      if (mcp.leftOut > 0) {
        options.logger.warn({ agentId: agent.id, leftOut: mcp.leftOut, offered: tools.length }, 'MCP tools beyond the limit of tools a model is offered were left out');
      }
    }
    return tools.length > 0 ? new Toolset(tools, options.logger, found, sessions) : undefined;
  }

  /** Ends what the send's calls opened (MCP sessions); call it once the model has answered, or failed. */
  async close(): Promise<void> {
    await this.mcpSessions?.close();
  }

  get definitions(): ToolDefinition[] {
    return [...this.byName.values()].map(({ name, description, parameters }) => ({ name, description, parameters }));
  }

  /** Whether some tool calls out: answering then involves I/O and may take the tools' timeouts. */
  get callsOut(): boolean {
    return [...this.byName.values()].some((tool) => tool.remote);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  async call(
    id: string,
    name: string,
    args: unknown,
    context: ToolCallContext,
    signal?: AbortSignal,
  ): Promise<ToolCallRecord> {
    const started = performance.now();
    const record = (outcome: { result: unknown } | { error: { code: ToolErrorCode; message: string } }): ToolCallRecord => ({
      id,
      tool: name,
      arguments: args ?? null,
      ...outcome,
      latencyMs: Math.round(performance.now() - started),
    });
    const tool = this.byName.get(name);
    if (!tool) return record({ error: { code: 'TOOL_NOT_FOUND', message: `There is no tool named "${name}"` } });
    try {
      if (typeof args !== 'object' || args === null || Array.isArray(args)) {
        throw new ToolFailure('TOOL_INVALID_ARGUMENTS', 'The arguments must be a JSON object');
      }
      let validate: ValidateFunction | undefined;
      try {
        validate = tool.validator ? tool.validator() : validatorFor(tool.parameters);
      } catch {
        throw new ToolFailure('TOOL_FAILED', 'The tool’s parameter schema is not valid');
      }
      if (validate && !validate(args)) {
        throw new ToolFailure('TOOL_INVALID_ARGUMENTS', `Invalid arguments: ${ajv.errorsText(validate.errors, { dataVar: 'arguments' })}`);
      }
      if (tool.remote && signal?.aborted) {
        throw new ToolFailure('TOOL_TIMEOUT', 'No time was left in this reply for another tool call');
      }
      return record({ result: await tool.run(args as Record<string, unknown>, { ...context, callId: id }, signal) });
    } catch (error) {
      const failure =
        error instanceof ToolFailure ? error : new ToolFailure('TOOL_FAILED', 'The tool failed');
      if (!(error instanceof ToolFailure)) this.logger.error({ err: error, agentId: context.agentId, tool: name }, 'tool failed');
      // The code only: a failing tool's answer (or its secret) never reaches the logs.
      else this.logger.info({ agentId: context.agentId, tool: name, code: failure.code }, 'tool call failed');
      return record({ error: { code: failure.code, message: failure.message } });
    }
  }
}
