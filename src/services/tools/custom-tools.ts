import { z } from 'zod';
import type { PrismaClient } from '../../db/client.js';
import type { Prisma, Tool } from '../../db/generated/prisma/client.js';
import { isUniqueViolation } from '../../db/prisma-errors.js';
import { ApiError, agentNotFound, invalidRequest, notFound } from '../../errors.js';
import { newId, typeOfId } from '../../ids.js';
import { nestedDeeperThan } from '../input-bounds.js';
import { withCommitMark, type CommitMark } from '../idempotency.js';
import { compileClientSchema } from '../json-schema.js';
import { unsafePatternPaths } from '../schema-patterns.js';
import { idOrderedSource, paginate, type Page, type PageArgs } from '../pagination.js';
import { BUILT_IN_TOOL_NAMES } from '../plugins/catalog.js';
import { ownAgentId } from '../plugins/agent-plugins.js';
import { parseInput } from '../validation.js';
import { OUTBOUND_URL_MAX_LENGTH, outboundUrlSchema } from '../outbound/url.js';
import { newSigningSecret } from '../signing-secret.js';
import { requireServerKey } from '../server-key.js';
import { sealToolSecret } from './tool-secret.js';

export type { Tool };

/** Documented bounds of custom tools. */
export const TOOL_LIMITS = {
  perAgent: 20,
  name: 64,
  description: 1_000,
  url: OUTBOUND_URL_MAX_LENGTH,
  /** The parameters schema, as compact JSON. */
  parametersBytes: 16_384,
  /** Levels of nesting in the parameters schema. */
  parametersDepth: 16,
  timeoutMsMin: 100,
  timeoutMsMax: 30_000,
  timeoutMsDefault: 10_000,
} as const;

export const TOOL_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

const L = TOOL_LIMITS;

const nameSchema = z
  .string()
  .regex(TOOL_NAME_PATTERN, `must start with a letter and hold only letters, digits, _ and - (at most ${L.name} characters)`)
  .refine((name) => !BUILT_IN_TOOL_NAMES.has(name), 'is the name of a built-in tool');

const descriptionSchema = z
  .string()
  .refine((d) => d.trim().length > 0, 'must not be empty')
  .refine((d) => d.length <= L.description, `must be at most ${L.description} characters`);

const urlSchema = outboundUrlSchema();

const timeoutSchema = z
  .number()
  .int('must be an integer')
  .min(L.timeoutMsMin, `must be between ${L.timeoutMsMin} and ${L.timeoutMsMax}`)
  .max(L.timeoutMsMax, `must be between ${L.timeoutMsMin} and ${L.timeoutMsMax}`);

const parametersSchema = z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
  if (JSON.stringify(schema).length > L.parametersBytes) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${L.parametersBytes} characters as JSON` });
    return;
  }
  if (nestedDeeperThan(schema, L.parametersDepth)) {
    ctx.addIssue({ code: 'custom', message: `must nest at most ${L.parametersDepth} levels` });
    return;
  }
  if (schema['type'] !== 'object') {
    ctx.addIssue({ code: 'custom', path: ['type'], message: 'must be "object": a tool takes its arguments as an object' });
    return;
  }
  const compiled = compileClientSchema(schema);
  if ('error' in compiled) {
    ctx.addIssue({ code: 'custom', message: `is not a valid JSON Schema: ${compiled.error}` });
    return;
  }
  for (const path of unsafePatternPaths(schema)) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: 'is a regular expression that can take exponential time (a repetition inside a repetition, or too many of them): simplify it',
    });
  }
});

const createToolSchema = z
  .object({
    name: nameSchema,
    description: descriptionSchema,
    parameters: parametersSchema,
    url: urlSchema,
    timeoutMs: timeoutSchema.nullish().transform((v) => v ?? L.timeoutMsDefault),
  })
  .strict();

type ToolValues = z.output<typeof createToolSchema>;

const notNull = <T extends z.ZodType>(schema: T) =>
  z
    .union([schema, z.null()])
    .optional()
    .refine((v) => v !== null, 'cannot be null');

/** PATCH: each field named replaces the stored one; `timeoutMs: null` restores the default. */
const updateToolSchema = z
  .object({
    name: notNull(nameSchema),
    description: notNull(descriptionSchema),
    parameters: notNull(parametersSchema),
    url: notNull(urlSchema),
    timeoutMs: timeoutSchema.nullish(),
  })
  .strict();

function toolNotFound(id: string): ApiError {
  return notFound('Tool', id);
}

function nameTaken(name: string): ApiError {
  return new ApiError('ALREADY_EXISTS', `The agent already has a tool named ${JSON.stringify(name)}`, { field: 'name', name });
}

function isToolId(id: string): boolean {
  return typeOfId(id) === 'Tool';
}

export type CreatedTool = {
  tool: Tool;
  /** The agent's signing secret, when this create made it (the agent's first); else null. */
  signingSecret: string | null;
};

/**
 * Creates a custom tool of the agent. The agent's first tool also makes the agent's signing
 * secret (Standard Webhooks, `whsec_…`), answered here once and stored sealed under the server key.
 */
export async function createTool(
  prisma: PrismaClient,
  serverKey: string | undefined,
  accountId: string,
  agentId: string,
  rawInput: unknown,
  commit?: CommitMark,
): Promise<CreatedTool> {
  const values: ToolValues = parseInput(createToolSchema, rawInput);
  await ownAgentId(prisma, accountId, agentId);
  const key = requireServerKey(serverKey);
  try {
    return await prisma.$transaction(async (tx) => {
      // Locks the agent: concurrent creates count the tools one after the other.
      const locked = await tx.$queryRaw<{ toolSecret: string | null }[]>`
        SELECT "toolSecret" FROM "Agent" WHERE "id" = ${agentId} AND "accountId" = ${accountId} FOR UPDATE`;
      if (!locked[0]) throw agentNotFound(agentId);
      const count = await tx.tool.count({ where: { agentId } });
      if (count >= L.perAgent) {
        throw invalidRequest(
          [{ field: '(body)', message: `the agent already has ${L.perAgent} tools, the most it may have` }],
          `An agent has at most ${L.perAgent} custom tools; delete one first`,
        );
      }
      if (await tx.tool.findFirst({ where: { agentId, name: values.name }, select: { id: true } })) throw nameTaken(values.name);
      let signingSecret: string | null = null;
      if (locked[0].toolSecret === null) {
        signingSecret = newSigningSecret();
        await tx.agent.update({ where: { id: agentId }, data: { toolSecret: sealToolSecret(key, agentId, signingSecret) } });
      }
      const id = newId('tol');
      const tool = await tx.tool.create({
        data: {
          id,
          accountId,
          agentId,
          name: values.name,
          description: values.description,
          parameters: values.parameters as Prisma.InputJsonObject,
          url: values.url,
          timeoutMs: values.timeoutMs,
        },
      });
      if (commit) await commit(tx, { type: 'Tool', id });
      return { tool, signingSecret };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(values.name);
    throw error;
  }
}

/**
 * The tool, if it belongs to the account (and to `agentId` when given: REST names the agent in
 * the path, and a missing agent is AGENT_NOT_FOUND); otherwise NOT_FOUND (never which).
 */
export async function getTool(prisma: PrismaClient, accountId: string, id: string, agentId?: string): Promise<Tool> {
  if (agentId !== undefined) await ownAgentId(prisma, accountId, agentId);
  const tool = isToolId(id)
    ? await prisma.tool.findFirst({ where: { id, accountId, ...(agentId !== undefined ? { agentId } : {}) } })
    : null;
  if (!tool) throw toolNotFound(id);
  return tool;
}

export async function updateTool(
  prisma: PrismaClient,
  accountId: string,
  id: string,
  rawInput: Record<string, unknown>,
  agentId?: string,
  commit?: CommitMark,
): Promise<Tool> {
  const parsed = parseInput(updateToolSchema, rawInput);
  const current = await getTool(prisma, accountId, id, agentId);
  const data: Prisma.ToolUpdateInput = {};
  for (const key of Object.keys(rawInput) as (keyof typeof parsed)[]) {
    if (key === 'timeoutMs') data.timeoutMs = parsed.timeoutMs ?? L.timeoutMsDefault;
    else if (key === 'parameters') data.parameters = parsed.parameters as Prisma.InputJsonObject;
    else data[key] = parsed[key] as string;
  }
  if (typeof data.name === 'string' && data.name !== current.name) {
    const other = await prisma.tool.findFirst({ where: { agentId: current.agentId, name: data.name }, select: { id: true } });
    if (other) throw nameTaken(data.name);
  }
  try {
    const { count } = await withCommitMark(
      prisma,
      commit,
      { type: 'Tool', id },
      (db) => db.tool.updateMany({ where: { id, accountId }, data: data as Prisma.ToolUpdateManyMutationInput }),
      (result) => result.count > 0,
    );
    if (count === 0) throw toolNotFound(id);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(String(data.name));
    throw error;
  }
  return getTool(prisma, accountId, id);
}

export async function deleteTool(
  prisma: PrismaClient,
  accountId: string,
  id: string,
  agentId?: string,
  commit?: CommitMark,
): Promise<void> {
  if (agentId !== undefined) await ownAgentId(prisma, accountId, agentId);
  if (!isToolId(id)) throw toolNotFound(id);
  const { count } = await withCommitMark(
    prisma,
    commit,
    { type: 'Tool', id },
    (db) => db.tool.deleteMany({ where: { id, accountId, ...(agentId !== undefined ? { agentId } : {}) } }),
    (result) => result.count > 0,
  );
  if (count === 0) throw toolNotFound(id);
}

/** The tools of an agent already read from the caller's account, newest first. */
export function toolsOfAgent(prisma: PrismaClient, agentId: string, args: PageArgs): Promise<Page<Tool>> {
  return paginate(args, idOrderedSource<Tool>(prisma.tool, { agentId }, isToolId));
}

/** The same, checking first that the agent is the account's. */
export async function listTools(prisma: PrismaClient, accountId: string, agentId: string, args: PageArgs): Promise<Page<Tool>> {
  await ownAgentId(prisma, accountId, agentId);
  return toolsOfAgent(prisma, agentId, args);
}
