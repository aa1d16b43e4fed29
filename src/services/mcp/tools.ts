import { createHash } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { PrismaClient } from '../../db/client.js';
import type { Agent, AgentMcpServer, McpServer } from '../../db/generated/prisma/client.js';
import type { JsonSchema, ToolDefinition } from '../plugins/catalog.js';
import { unsafePatternPaths, withoutIds } from '../schema-patterns.js';
import { ToolFailure } from '../tools/failure.js';
import { McpSession, type McpToolDefinition } from './client.js';
import { openMcpHeaders } from './headers.js';

/**
 * MCP tools during a send: which tools of the agent's MCP servers the model is offered, under
 * which names, and one session per server for the send's calls.
 */

/** An MCP server an agent uses, with the server's row (of the agent's own account). */
export type McpToolRow = Pick<AgentMcpServer, 'tools' | 'allTools'> & {
  mcpServer: Pick<McpServer, 'id' | 'name' | 'url' | 'headers' | 'timeoutMs' | 'tools'>;
};

/**
 * The agent's MCP servers, in one statement (the server rows joined: Prisma would read a relation
 * with a second one). Both rows must be of the agent's account: an id in enabledMcpServers that
 * is stale, or names another account's server, gives nothing. The order is that of
 * `enabledMcpServers` (the order they were enabled in), which the naming rule below depends on.
 */
export async function loadMcpToolRows(
  prisma: PrismaClient,
  agent: Pick<Agent, 'id' | 'accountId' | 'enabledMcpServers'>,
): Promise<McpToolRow[]> {
  const rows = await prisma.$queryRaw<
    (Pick<McpServer, 'id' | 'name' | 'url' | 'headers' | 'timeoutMs'> & { serverTools: McpServer['tools'] } & Pick<AgentMcpServer, 'tools' | 'allTools'>)[]
  >`
    SELECT s."id", s."name", s."url", s."headers", s."timeoutMs", s."tools" AS "serverTools", a."tools", a."allTools"
    FROM "AgentMcpServer" a JOIN "McpServer" s ON s."id" = a."mcpServerId"
    WHERE a."agentId" = ${agent.id} AND a."accountId" = ${agent.accountId} AND s."accountId" = ${agent.accountId}
      AND a."mcpServerId" = ANY(${agent.enabledMcpServers}::text[])`;
  const position = new Map(agent.enabledMcpServers.map((id, i) => [id, i]));
  return rows
    .sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0))
    .map(({ serverTools, tools, allTools, ...server }) => ({ tools, allTools, mcpServer: { ...server, tools: serverTools } }));
}

/** OpenAI's rule for function names (the strictest of the providers'). */
export const MODEL_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_NAME = 64;
const SUFFIX = 7; // "_" + 6 hex digits

const shortHash = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 6);

/**
 * The name the model calls an MCP tool by, unique among the agent's tools. The rule:
 * 1. `<server name>__<tool name>`, every character outside [a-zA-Z0-9_-] replaced by `_`
 *    (an empty result is `mcp`);
 * 2. longer than 64 characters: cut to 57 and ended with `_<hash>`, the first 6 hex digits of
 *    SHA-256 of "<server name>\0<tool name>" (so two long names sharing their start stay apart);
 * 3. a name already taken (by a built-in tool, a custom tool, or an MCP tool named before it)
 *    gets `_<hash>` in place of its last 7 characters if it had no room, else appended; should
 *    that be taken too, the hash is of "<server name>\0<tool name>\0<n>" for n = 1, 2, ...
 * Names are taken in order: built-in and custom tools first, then MCP servers in the order the
 * agent enabled them, each server's tools in the order it listed them. So a name only changes
 * when a tool that comes before it appears, and enabling another server never renames the
 * tools of the servers enabled before it. No tool is ever dropped for its name.
 */
export function modelToolName(serverName: string, toolName: string, taken: ReadonlySet<string>): string {
  let base = `${serverName}__${toolName}`.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (!/[a-zA-Z0-9]/.test(base)) base = 'mcp';
  if (base.length > MAX_NAME) base = `${base.slice(0, MAX_NAME - SUFFIX)}_${shortHash(serverName, toolName)}`;
  if (!taken.has(base)) return base;
  const stem = base.length + SUFFIX > MAX_NAME ? base.slice(0, MAX_NAME - SUFFIX) : base;
  for (let n = 0; ; n++) {
    const candidate = `${stem}_${n === 0 ? shortHash(serverName, toolName) : shortHash(serverName, toolName, String(n))}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** How a tool of an MCP server is run during a send. */
export type McpRunnableTool = ToolDefinition & {
  remote: true;
  validator(): ValidateFunction | undefined;
  run(args: Record<string, unknown>, context: unknown, signal: AbortSignal | undefined): Promise<unknown>;
};

// ajv-formats is CommonJS: its default export is the plugin function (or holds it).
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as <T>(ajv: T) => T;

/**
 * MCP servers describe arguments in JSON Schema of either draft: 2020-12 is the protocol's
 * default (prefixItems, $defs, unevaluatedProperties...), while many servers (the TypeScript
 * SDK's included) still emit draft-07 (`items` as an array, `additionalItems`). A schema is
 * compiled as 2020-12, else as draft-07; one neither compiles (an external `$ref`...) is not
 * checked here at all: the server validates its own arguments, and every call still goes; so
 * is one with a regular expression that could backtrack. `$id`s are left out (the compilers are
 * shared by every server). Not strict: unknown keywords and formats are ignored, as the servers'
 * own validators do.
 */
const ajv2020 = addFormats(new Ajv2020({ strict: false, logger: false }));
const ajv07 = addFormats(new Ajv({ strict: false, logger: false }));
const validators = new Map<string, ValidateFunction | null>();
const MAX_VALIDATORS = 1000;

export function mcpValidatorFor(serverSchema: JsonSchema): ValidateFunction | undefined {
  // Remembered per schema as the server gave it: a call looks its answer up, nothing more.
  const key = JSON.stringify(serverSchema);
  let validate = validators.get(key);
  if (validate === undefined) {
    if (validators.size >= MAX_VALIDATORS) {
      validators.clear();
      ajv2020.removeSchema();
      ajv07.removeSchema();
    }
    // A server's regular expression that could backtrack is not run here (see schema-patterns.ts).
    const schema = withoutIds(serverSchema) as JsonSchema;
    validate = unsafePatternPaths(serverSchema).length > 0 ? null : (compileWith(ajv2020, schema) ?? compileWith(ajv07, schema) ?? null);
    validators.set(key, validate);
  }
  return validate ?? undefined;
}

function compileWith(ajv: Ajv | Ajv2020, schema: JsonSchema): ValidateFunction | undefined {
  try {
    return ajv.compile(schema);
  } catch {
    // A schema that failed half-way may have left its $id behind.
    ajv.removeSchema(schema);
    return undefined;
  }
}

export type McpRuntimeOptions = {
  /** ORION_ALLOW_PRIVATE_NETWORKS. */
  allowPrivateNetworks: boolean;
  /** Opens the servers' sealed header values. */
  serverKey: string | undefined;
};

/**
 * The sessions of one send: one per MCP server, opened on the first call of one of its tools
 * (calls that come together share the opening) and all closed by close(). A server that could
 * not be reached fails the send's other calls to it the same way, without trying again.
 */
export class McpSessions {
  private readonly sessions = new Map<string, Promise<McpSession>>();
  private closed = false;

  constructor(private readonly options: McpRuntimeOptions) {}

  session(server: McpToolRow['mcpServer'], signal: AbortSignal | undefined): Promise<McpSession> {
    if (this.closed) return Promise.reject(new ToolFailure('TOOL_FAILED', 'The send is over'));
    let session = this.sessions.get(server.id);
    if (!session) {
      session = this.open(server, signal);
      // Handled by every caller; this keeps an unobserved failure from being reported.
      session.catch(() => {});
      this.sessions.set(server.id, session);
    }
    return session;
  }

  private async open(server: McpToolRow['mcpServer'], signal: AbortSignal | undefined): Promise<McpSession> {
    const headers = openMcpHeaders(this.options.serverKey, server.id, server.headers);
    if (!headers) {
      throw new ToolFailure(
        'TOOL_FAILED',
        `The header values of MCP server "${server.name}" cannot be opened: the server key changed since they were set; set them again`,
      );
    }
    return McpSession.open(
      { url: server.url, headers, timeoutMs: server.timeoutMs },
      { allowPrivateNetworks: this.options.allowPrivateNetworks, ...(signal ? { signal } : {}) },
    );
  }

  /** Closes every session opened (or still opening); safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    const opened = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(opened.map((session) => session.then((s) => s.close(), () => {})));
  }
}

/**
 * The MCP tools the agent may call, as runnable tools: every tool of the server's snapshot
 * (allTools), else those named that it still lists. `taken` holds the names already used (the
 * agent's other tools); the names given here are added to it. At most `room` tools: those
 * after are left out (counted in `leftOut`).
 */
export function mcpTools(
  rows: McpToolRow[],
  taken: Set<string>,
  sessions: McpSessions,
  room: number,
): { tools: McpRunnableTool[]; leftOut: number } {
  const tools: McpRunnableTool[] = [];
  let leftOut = 0;
  for (const { mcpServer: server, allTools, tools: chosen } of rows) {
    const snapshot = (Array.isArray(server.tools) ? server.tools : []) as unknown as McpToolDefinition[];
    const allowed = allTools ? snapshot : snapshot.filter((tool) => chosen.includes(tool.name));
    for (const definition of allowed) {
      if (tools.length >= room) {
        leftOut++;
        continue;
      }
      const name = modelToolName(server.name, definition.name, taken);
      taken.add(name);
      const parameters: JsonSchema = { ...definition.inputSchema, type: 'object' };
      const about = definition.description || definition.title || definition.name;
      tools.push({
        name,
        description: `${about} (tool "${definition.name}" of MCP server "${server.name}")`,
        parameters,
        remote: true,
        validator: () => mcpValidatorFor(parameters),
        async run(args, _context, signal) {
          const session = await sessions.session(server, signal);
          return session.callTool(definition.name, args, signal);
        },
      });
    }
  }
  return { tools, leftOut };
}
