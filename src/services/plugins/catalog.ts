/**
 * The plugins OrionOS ships: each is a named bundle of tools an agent can enable, with a config
 * (a JSON Schema; `default`s are filled in when an agent enables it). The catalog is the same
 * for every account; what an agent enabled lives in AgentPlugin rows.
 */

/** A JSON Schema document, as plain JSON. */
export type JsonSchema = { [key: string]: unknown };

/** A tool as a model sees it: what it is called, what it does, the arguments it takes. */
export type ToolDefinition = { name: string; description: string; parameters: JsonSchema };

export type PluginDefinition = {
  id: PluginId;
  name: string;
  description: string;
  configSchema: JsonSchema;
  /** Built-in tools; the `http` plugin's tools are the agent's own custom tools instead. */
  tools: ToolDefinition[];
};

export const PLUGIN_IDS = ['time', 'calculator', 'http', 'knowledge'] as const;
export type PluginId = (typeof PLUGIN_IDS)[number];

export const CALCULATOR_LIMITS = { expression: 500, precisionMin: 1, precisionMax: 15 } as const;

/** search_knowledge: a query of at most `query` characters, at most `limitMax` chunks (`limitDefault` when the model names none). */
export const KNOWLEDGE_TOOL_LIMITS = { query: 1_000, limitDefault: 5, limitMax: 10 } as const;

export const KNOWLEDGE_TOOL = 'search_knowledge';

export const PLUGINS: readonly PluginDefinition[] = [
  {
    id: 'time',
    name: 'Time',
    description: 'The current date and time, in any IANA time zone.',
    configSchema: {
      type: 'object',
      properties: {
        defaultTimeZone: {
          type: 'string',
          description: 'The IANA time zone used when the model names none.',
          default: 'UTC',
          minLength: 1,
          maxLength: 64,
        },
      },
      additionalProperties: false,
    },
    tools: [
      {
        name: 'current_time',
        description: 'Returns the current date and time (ISO 8601 and in words) in an IANA time zone.',
        parameters: {
          type: 'object',
          properties: {
            timeZone: { type: 'string', description: 'An IANA time zone such as Europe/Paris; the default when absent.', maxLength: 64 },
          },
          additionalProperties: false,
        },
      },
    ],
  },
  {
    id: 'calculator',
    name: 'Calculator',
    description: 'Evaluates arithmetic expressions and math functions (sqrt, sin, log, ...) exactly, without running code.',
    configSchema: {
      type: 'object',
      properties: {
        precision: {
          type: 'integer',
          description: 'Significant digits of the result.',
          default: 12,
          minimum: CALCULATOR_LIMITS.precisionMin,
          maximum: CALCULATOR_LIMITS.precisionMax,
        },
      },
      additionalProperties: false,
    },
    tools: [
      {
        name: 'calculate',
        description: 'Evaluates a math expression such as "(17 + 25) * 3" or "sqrt(2) ^ 10" and returns its value.',
        parameters: {
          type: 'object',
          properties: {
            expression: { type: 'string', minLength: 1, maxLength: CALCULATOR_LIMITS.expression },
          },
          required: ['expression'],
          additionalProperties: false,
        },
      },
    ],
  },
  {
    id: 'http',
    name: 'HTTP tools',
    description:
      "Lets the model call the agent's custom tools (/v1/agents/{id}/tools): OrionOS POSTs the arguments to each tool's URL, signed like a webhook, and hands the JSON answer back.",
    configSchema: { type: 'object', properties: {}, additionalProperties: false },
    tools: [],
  },
  {
    id: 'knowledge',
    name: 'Knowledge',
    description:
      "Lets the model search the agent's knowledge (its documents and its character's knowledge) for passages about a question; the passages it finds are cited by the reply.",
    configSchema: { type: 'object', properties: {}, additionalProperties: false },
    tools: [
      {
        name: KNOWLEDGE_TOOL,
        description:
          "Searches the agent's documents and returns the passages that best match the query, best first, each with its document, position, heading, text and score (0..1).",
        parameters: {
          type: 'object',
          properties: {
            query: { type: 'string', description: 'What to look for, in words.', minLength: 1, maxLength: KNOWLEDGE_TOOL_LIMITS.query },
            limit: {
              type: 'integer',
              description: `How many passages at most (default ${KNOWLEDGE_TOOL_LIMITS.limitDefault}).`,
              minimum: 1,
              maximum: KNOWLEDGE_TOOL_LIMITS.limitMax,
            },
          },
          required: ['query'],
          additionalProperties: false,
        },
      },
    ],
  },
];

const BY_ID = new Map(PLUGINS.map((plugin) => [plugin.id, plugin]));

export function pluginById(id: string): PluginDefinition | undefined {
  return BY_ID.get(id as PluginId);
}

/** Names of built-in tools: a custom tool may not take one. */
export const BUILT_IN_TOOL_NAMES: ReadonlySet<string> = new Set(PLUGINS.flatMap((p) => p.tools.map((t) => t.name)));
