import { z } from 'zod';
import { outboundUrlSchema } from '../outbound/url.js';

/** Documented bounds of registered MCP servers. */
export const MCP_SERVER_LIMITS = {
  perAccount: 50,
  name: 32,
  description: 1_000,
  headers: 20,
  headerName: 256,
  headerValue: 4_096,
  timeoutMsMin: 1_000,
  timeoutMsMax: 60_000,
  timeoutMsDefault: 10_000,
  /** Tool names an agent may pick from one server (the most a server's snapshot holds). */
  agentTools: 200,
} as const;

const L = MCP_SERVER_LIMITS;

export const MCP_SERVER_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** An HTTP field name (RFC 9110 `token`). */
export const HTTP_TOKEN_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Headers the Streamable HTTP transport (or HTTP itself) sets: a server's headers cannot. */
export const RESERVED_MCP_HEADERS: readonly string[] = [
  'host',
  'content-length',
  'content-type',
  'accept',
  'connection',
  'transfer-encoding',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
];

// CR and LF would start another header; other control characters (tab aside) are not field content.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000a-\u001f\u007f]/;

const nameSchema = z
  .string()
  .regex(MCP_SERVER_NAME_PATTERN, `must be 1–${L.name} characters: lower-case letters, digits, _ and -, starting with a letter or digit`);

const descriptionSchema = z.string().max(L.description, `must be at most ${L.description} characters`);

/**
 * https:// only, as webhook endpoints: the headers often carry credentials. Plain http:// (and
 * private addresses) only when the operator allows private networks.
 */
const urlSchema = (allowPrivateNetworks: boolean) => outboundUrlSchema({ httpsOnly: !allowPrivateNetworks });

const headersSchema = z.record(z.string(), z.string()).superRefine((headers, ctx) => {
  const names = Object.keys(headers);
  if (names.length > L.headers) {
    ctx.addIssue({ code: 'custom', message: `must hold at most ${L.headers} headers` });
    return;
  }
  const seen = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    if (name.length > L.headerName || !HTTP_TOKEN_PATTERN.test(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `is not an HTTP header name (a token of at most ${L.headerName} characters)` });
    } else if (RESERVED_MCP_HEADERS.includes(lower)) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'is set by the MCP transport and cannot be configured' });
    } else if (seen.has(lower)) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'is given twice (header names are case-insensitive)' });
    }
    seen.add(lower);
    const value = headers[name]!;
    if (value.length > L.headerValue) {
      ctx.addIssue({ code: 'custom', path: [name], message: `must be at most ${L.headerValue} characters` });
    } else if (CONTROL_CHARACTERS.test(value)) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'must not hold line breaks or other control characters' });
    }
  }
});

const timeoutSchema = z
  .number()
  .int('must be an integer')
  .min(L.timeoutMsMin, `must be between ${L.timeoutMsMin} and ${L.timeoutMsMax}`)
  .max(L.timeoutMsMax, `must be between ${L.timeoutMsMin} and ${L.timeoutMsMax}`);

// Nullable, then refused when null: a value is checked by `schema` itself, so its errors keep their paths.
const notNull = <T extends z.ZodType>(schema: T) =>
  schema
    .nullable()
    .optional()
    .refine((v) => v !== null, 'cannot be null');

export function createMcpServerSchema(allowPrivateNetworks: boolean) {
  return z
    .object({
      name: nameSchema,
      url: urlSchema(allowPrivateNetworks),
      description: descriptionSchema.nullish(),
      headers: headersSchema.nullish(),
      timeoutMs: timeoutSchema.nullish(),
    })
    .strict();
}

/** PATCH: each field named replaces the stored one; `headers` the whole map (null: none); `timeoutMs: null` the default. */
export function updateMcpServerSchema(allowPrivateNetworks: boolean) {
  return z
    .object({
      name: notNull(nameSchema),
      url: notNull(urlSchema(allowPrivateNetworks)),
      description: descriptionSchema.nullish(),
      headers: headersSchema.nullish(),
      timeoutMs: timeoutSchema.nullish(),
    })
    .strict();
}

/** PUT /agents/{agentId}/mcp-servers/{id}: `tools` absent or null is every tool, now and later. */
export const enableMcpServerSchema = z
  .object({
    tools: z
      .array(z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters'))
      .min(1, 'must name at least one tool (or be null for all of them)')
      .max(L.agentTools, `must name at most ${L.agentTools} tools`)
      .transform((tools) => [...new Set(tools)])
      .nullish(),
  })
  .strict();

export type CreateMcpServerValues = z.output<ReturnType<typeof createMcpServerSchema>>;
export type UpdateMcpServerValues = z.output<ReturnType<typeof updateMcpServerSchema>>;
