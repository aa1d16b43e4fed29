import { z } from 'zod';

/** Bounds of a character's fields: the documented limits, enforced for both protocols. */
export const CHARACTER_LIMITS = {
  name: 100,
  username: 50,
  /** Items in each list field (bio, lore, topics, adjectives, knowledge, style.all, style.chat). */
  listItems: 50,
  /** Characters of each item of a list field. */
  listItem: 1_000,
  tags: 20,
  tag: 50,
  system: 20_000,
  greeting: 20_000,
  scenario: 20_000,
  conversations: 20,
  turns: 20,
  /**
   * Turns in all example conversations together: a character with every bound full stays within
   * the values one request may hold (MAX_INPUT_VALUES).
   */
  totalTurns: 100,
  turnText: 2_000,
  metadataPairs: 16,
  metadataKey: 40,
  metadataValue: 500,
} as const;

const L = CHARACTER_LIMITS;

const nonEmpty = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const optionalText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((v) => (v ? v : null));

/** A list of short texts; `null` and absence both mean empty. */
const list = (maxItems: number = L.listItems, maxLength: number = L.listItem) =>
  z
    .array(nonEmpty(maxLength))
    .max(maxItems, `at most ${maxItems} items`)
    .nullish()
    .transform((v) => v ?? []);

const turnSchema = z.object({ role: z.enum(['user', 'agent']), text: nonEmpty(L.turnText) }).strict();

const styleSchema = z
  .object({ all: list(), chat: list() })
  .strict()
  .nullish()
  .transform((v) => v ?? { all: [], chat: [] });

const metadataSchema = z
  .record(
    z.string().min(1, 'keys must not be empty').max(L.metadataKey, `keys must be at most ${L.metadataKey} characters`),
    z.string().max(L.metadataValue, `values must be at most ${L.metadataValue} characters`),
  )
  .refine((m) => Object.keys(m).length <= L.metadataPairs, `at most ${L.metadataPairs} pairs`)
  .nullish()
  .transform((v) => v ?? {});

const fields = {
  name: nonEmpty(L.name),
  username: optionalText(L.username),
  bio: list(),
  lore: list(),
  topics: list(),
  adjectives: list(),
  style: styleSchema,
  messageExamples: z
    .array(
      z
        .array(turnSchema)
        .min(1, 'a conversation needs at least one turn')
        .max(L.turns, `at most ${L.turns} turns in a conversation`),
    )
    .max(L.conversations, `at most ${L.conversations} conversations`)
    .refine((c) => c.flat().length <= L.totalTurns, `at most ${L.totalTurns} turns in all`)
    .nullish()
    .transform((v) => v ?? []),
  system: optionalText(L.system),
  knowledge: list(),
  greeting: optionalText(L.greeting),
  scenario: optionalText(L.scenario),
  tags: list(L.tags, L.tag),
  metadata: metadataSchema,
};

/** A whole character as written by a client (or produced by an import): every field but `name` optional. */
export const characterInputSchema = z.object(fields).strict();

/** The writable fields of a character, as stored (defaults filled in). */
export type CharacterFields = {
  name: string;
  username?: string | null;
  bio: string[];
  lore: string[];
  topics: string[];
  adjectives: string[];
  style: { all: string[]; chat: string[] };
  messageExamples: { role: 'user' | 'agent'; text: string }[][];
  system?: string | null;
  knowledge: string[];
  greeting?: string | null;
  scenario?: string | null;
  tags: string[];
  metadata: Record<string, string>;
};

// The schema's output must stay assignable to the exported type.
type Parsed = z.output<typeof characterInputSchema>;
const _fieldsMatch: (p: Parsed) => CharacterFields = (p) => p;
void _fieldsMatch;

/** PATCH: each field named replaces the stored one; `null` clears it (name cannot be cleared). */
export const updateCharacterSchema = z
  .object({
    ...fields,
    name: z
      .union([fields.name, z.null()])
      .optional()
      .refine((v) => v !== null, 'cannot be null'),
  })
  .partial()
  .strict();

/** A stored `fields` value, read back: the type of everything written through the schemas above. */
export function storedFields(value: unknown): Required<CharacterFields> {
  const f = value as CharacterFields;
  return { ...f, username: f.username ?? null, system: f.system ?? null, greeting: f.greeting ?? null, scenario: f.scenario ?? null };
}
