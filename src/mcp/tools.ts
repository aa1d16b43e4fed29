import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { KNOWLEDGE_SEARCH_LIMITS } from '../services/knowledge/retrieval.js';
import { MESSAGE_LIMITS, userIdSchema } from '../services/message-input.js';
import { MAX_PAGE_SIZE } from '../services/pagination.js';
import type { Scope } from '../services/scopes.js';
import {
  McpGetAgentDocument,
  McpListAgentsDocument,
  McpSearchKnowledgeDocument,
  McpSendMessageDocument,
} from './generated/operations.js';

/**
 * The tools OrionOS serves at /mcp. Each one is a hand-written GraphQL operation
 * (operations/tools.graphql) run through the pipeline REST uses, so scopes, account isolation,
 * cost limits, quotas and error codes are REST's; its result is that operation's data at `field`.
 */

/** Who is calling: what a tool may need beyond its arguments. */
export type ToolCaller = { keyId: string };

/** The operation a call runs: its document, variables, and where its result is in the data. */
export type ToolOperation = {
  // biome-ignore lint: the tools run operations of many types
  document: TypedDocumentNode<any, any>;
  variables: Record<string, unknown>;
  /** A root field, or a dotted path (`agent.knowledgeSearch`). */
  field: string;
};

export type McpTool<S extends z.ZodObject = z.ZodObject> = {
  name: string;
  title: string;
  description: string;
  /** Every scope the operation needs; a key without one of them does not see the tool listed. */
  scopes: Scope[];
  input: S;
  annotations: ToolAnnotations;
  operation(args: z.output<S>, caller: ToolCaller): ToolOperation;
};

const tool = <S extends z.ZodObject>(t: McpTool<S>): McpTool => t as unknown as McpTool;

/** Messages in the words REST uses for its fields ("is required", "must be …"). */
const string = (description: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') }).describe(description);
const integer = (description: string) =>
  z.int({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be an integer') }).describe(description);

/** Longer than any ID or cursor OrionOS gives; what is not one of ours is AGENT_NOT_FOUND, as in REST. */
const MAX_ID_LENGTH = 100;
const MAX_CURSOR_LENGTH = 200;

const agentId = string('The agent (`agt_…`), as list_agents gives it.')
  .min(1, 'must not be empty')
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`);

/** The conversation send_message continues when it is given no conversationId: one per API key. */
export const defaultUserId = (caller: ToolCaller) => `mcp:${caller.keyId}`;

const listAgents = tool({
  name: 'list_agents',
  title: 'List agents',
  description:
    'The agents of your account, newest first, a page at a time: pass `pageInfo.endCursor` as `after` for the next page while `pageInfo.hasNextPage`. Each agent as GET /v1/agents/{id} gives it. Needs the agents:read scope.',
  scopes: ['agents:read'],
  input: z.strictObject({
    first: integer(`Agents per page, 1–${MAX_PAGE_SIZE} (default 20).`)
      .min(1, `must be between 1 and ${MAX_PAGE_SIZE}`)
      .max(MAX_PAGE_SIZE, `must be between 1 and ${MAX_PAGE_SIZE}`)
      .optional(),
    after: string('The `pageInfo.endCursor` of the previous page.')
      .min(1, 'must not be empty')
      .max(MAX_CURSOR_LENGTH, `must be at most ${MAX_CURSOR_LENGTH} characters`)
      .optional(),
  }),
  annotations: { title: 'List agents', readOnlyHint: true, openWorldHint: false },
  operation: (args) => ({ document: McpListAgentsDocument, variables: args, field: 'agents' }),
});

const getAgent = tool({
  name: 'get_agent',
  title: 'Get an agent',
  description:
    'One agent of your account: name, description, personality, system prompt, model, status, metadata. The same object as GET /v1/agents/{id}. Needs the agents:read scope.',
  scopes: ['agents:read'],
  input: z.strictObject({ agentId }),
  annotations: { title: 'Get an agent', readOnlyHint: true, openWorldHint: false },
  operation: (args) => ({ document: McpGetAgentDocument, variables: args, field: 'agent' }),
});

const sendMessage = tool({
  name: 'send_message',
  title: 'Send a message to an agent',
  description:
    'Sends `text` to an agent and answers with its reply (`response`), the conversation, the tool calls it made, the knowledge it cited and the tokens used: what POST /v1/agents/{id}/messages answers. Both turns are stored; the monthly message quota applies. Without a conversationId, the agent continues its conversation with userId (default: one conversation per API key). Needs the messages:write scope.',
  scopes: ['messages:write'],
  input: z.strictObject({
    agentId,
    text: string(`The message, 1–${MESSAGE_LIMITS.text} characters.`)
      .min(1, 'must not be empty')
      .max(MESSAGE_LIMITS.text, `must be at most ${MESSAGE_LIMITS.text} characters`)
      .refine((t) => t.trim().length > 0, 'must not be empty'),
    userId: userIdSchema
      .describe(
        `Your end user’s identifier: 1–${MESSAGE_LIMITS.userId} of letters, digits and . _ : @ + - (default: "mcp:" and your API key’s ID).`,
      )
      .optional(),
    conversationId: string('Continue this conversation (`cnv_…`, this agent’s and this userId’s).')
      .min(1, 'must not be empty')
      .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
      .optional(),
  }),
  // Each call is a new turn (not idempotent); an agent's tools and a hosted model reach beyond OrionOS.
  annotations: { title: 'Send a message to an agent', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  operation: ({ agentId: id, text, userId, conversationId }, caller) => ({
    document: McpSendMessageDocument,
    variables: { agentId: id, input: { text, userId: userId ?? defaultUserId(caller), ...(conversationId ? { conversationId } : {}) } },
    field: 'sendMessage',
  }),
});

const L = KNOWLEDGE_SEARCH_LIMITS;

const searchKnowledge = tool({
  name: 'search_knowledge',
  title: 'Search an agent’s knowledge',
  description: `The chunks of an agent’s knowledge documents (its own and its character’s) best matching \`query\`, best first, with a snippet around the matched words: what GET /v1/agents/{id}/knowledge/search answers. Needs the agents:read and knowledge:read scopes.`,
  scopes: ['agents:read', 'knowledge:read'],
  input: z.strictObject({
    agentId,
    query: string(`What to look for, 1–${L.q} characters.`)
      .trim()
      .min(1, 'must not be empty')
      .max(L.q, `must be at most ${L.q} characters`),
    limit: integer(`How many chunks, 1–${L.limit} (default ${L.defaultLimit}).`)
      .min(1, `must be between 1 and ${L.limit}`)
      .max(L.limit, `must be between 1 and ${L.limit}`)
      .optional(),
  }),
  annotations: { title: 'Search an agent’s knowledge', readOnlyHint: true, openWorldHint: false },
  operation: ({ agentId: id, query, limit }) => ({
    document: McpSearchKnowledgeDocument,
    variables: { agentId: id, q: query, ...(limit === undefined ? {} : { limit }) },
    field: 'agent.knowledgeSearch',
  }),
});

export const TOOLS: readonly McpTool[] = [listAgents, getAgent, sendMessage, searchKnowledge];
