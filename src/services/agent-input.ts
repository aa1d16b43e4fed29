import { z } from 'zod';

/** Bounds of an agent's fields: the documented limits, enforced for both protocols. */
export const AGENT_LIMITS = {
  name: 100,
  description: 1_000,
  traits: 20,
  trait: 50,
  tone: 50,
  bio: 2_000,
  style: 20,
  styleRule: 200,
  examples: 20,
  exampleText: 2_000,
  systemPrompt: 20_000,
  modelName: 100,
  maxTokens: 32_000,
  metadataPairs: 16,
  metadataKey: 40,
  metadataValue: 500,
  /** Model steps a turn may take calling tools (each step: one model call, its tool calls run). */
  maxToolStepsMin: 1,
  maxToolStepsMax: 10,
  maxToolStepsDefault: 5,
} as const;

export const DEFAULT_MODEL_NAMES = {
  local: 'orion-local-1',
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
} as const;

export type ModelProvider = keyof typeof DEFAULT_MODEL_NAMES;

const L = AGENT_LIMITS;

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const nonEmpty = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** `null` and absence both mean "use the default". */
function orDefault<T extends z.ZodType>(schema: T, fallback: z.output<T>) {
  return schema.nullish().transform((v) => (v ?? fallback) as z.output<T>);
}

const personalitySchema = z.object({
  traits: orDefault(z.array(nonEmpty(L.trait)).max(L.traits, `at most ${L.traits} traits`), []),
  tone: orDefault(nonEmpty(L.tone), 'neutral'),
  bio: orDefault(text(L.bio), ''),
  style: orDefault(z.array(nonEmpty(L.styleRule)).max(L.style, `at most ${L.style} style rules`), []),
  examples: orDefault(
    z
      .array(z.object({ user: nonEmpty(L.exampleText), agent: nonEmpty(L.exampleText) }))
      .max(L.examples, `at most ${L.examples} examples`),
    [],
  ),
});

export type Personality = z.output<typeof personalitySchema>;
export const DEFAULT_PERSONALITY: Personality = personalitySchema.parse({});

const modelSchema = z
  .object({
    provider: orDefault(z.enum(['local', 'openai', 'anthropic']), 'local'),
    name: nonEmpty(L.modelName).nullish(),
    temperature: orDefault(z.number().min(0, 'must be between 0 and 2').max(2, 'must be between 0 and 2'), 0.7),
    maxTokens: orDefault(
      z.number().int().min(1, `must be between 1 and ${L.maxTokens}`).max(L.maxTokens, `must be between 1 and ${L.maxTokens}`),
      1024,
    ),
  })
  .transform((m) => ({ ...m, name: m.name ?? DEFAULT_MODEL_NAMES[m.provider] }));

export type ModelConfig = z.output<typeof modelSchema>;
export const DEFAULT_MODEL: ModelConfig = modelSchema.parse({});

const metadataSchema = z
  .record(
    z.string().min(1, 'keys must not be empty').max(L.metadataKey, `keys must be at most ${L.metadataKey} characters`),
    z.string().max(L.metadataValue, `values must be at most ${L.metadataValue} characters`),
  )
  .refine((m) => Object.keys(m).length <= L.metadataPairs, `at most ${L.metadataPairs} pairs`);

const fields = {
  name: nonEmpty(L.name),
  description: text(L.description).nullish().transform((v) => v ?? null),
  personality: orDefault(personalitySchema, DEFAULT_PERSONALITY),
  systemPrompt: text(L.systemPrompt).nullish().transform((v) => v ?? null),
  model: orDefault(modelSchema, DEFAULT_MODEL),
  status: orDefault(z.enum(['active', 'paused']), 'active'),
  metadata: orDefault(metadataSchema, {}),
  characterId: z.string().nullish().transform((v) => v ?? null),
  maxToolSteps: orDefault(
    z
      .number()
      .int('must be an integer')
      .min(L.maxToolStepsMin, `must be between ${L.maxToolStepsMin} and ${L.maxToolStepsMax}`)
      .max(L.maxToolStepsMax, `must be between ${L.maxToolStepsMin} and ${L.maxToolStepsMax}`),
    L.maxToolStepsDefault,
  ),
  characterRevision: z
    .number()
    .int()
    .min(1, 'must be a revision number (1 or more)')
    .nullish()
    .transform((v) => v ?? null),
};

export const createAgentSchema = z.object(fields).strict();
export type AgentValues = z.output<typeof createAgentSchema>;

/** PATCH: each field named replaces the stored one; `null` clears it (name cannot be cleared). */
export const updateAgentSchema = z
  .object({
    ...fields,
    name: z
      .union([fields.name, z.null()])
      .optional()
      .refine((v) => v !== null, 'cannot be null'),
  })
  .partial()
  .strict();
export type AgentChanges = Partial<AgentValues>;
