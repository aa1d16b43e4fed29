import type { PrismaClient } from '../db/client.js';
import type { Character, CharacterRevision, Prisma } from '../db/generated/prisma/client.js';
import { ApiError, notFound } from '../errors.js';
import { newId, typeOfId } from '../ids.js';
import {
  CHARACTER_LIMITS,
  characterInputSchema,
  storedFields,
  updateCharacterSchema,
  type CharacterFields,
} from './character-input.js';
import type { CommitMark } from './idempotency.js';
import { accountCounter, idOrderedSource, paginate, type Page, type PageArgs, type PageSource } from './pagination.js';
import { parseInput } from './validation.js';
import { recordEvent } from './webhooks/outbox.js';
import { exportCharacter, importCharacterFile, type ExportFormat, type ImportResult } from './character-formats/index.js';
import { replaceCharacterKnowledge } from './knowledge/documents.js';

export type { Character, CharacterRevision };

export function isCharacterId(id: string): boolean {
  return typeOfId(id) === 'Character';
}

export function characterNotFound(id: string): ApiError {
  return notFound('Character', id);
}

/** A character's fields as stored (every optional one present, null when unset). */
export function characterFields(row: { fields: Prisma.JsonValue }): Required<CharacterFields> {
  return storedFields(row.fields);
}

/**
 * The character as REST returns it (fragment CharacterFields in src/rest/operations/characters.graphql):
 * the `data` of its webhook events. The webhook tests compare the two.
 */
export function characterResource(character: Character) {
  const fields = characterFields(character);
  return {
    id: character.id,
    name: fields.name,
    username: fields.username,
    bio: fields.bio,
    lore: fields.lore,
    topics: fields.topics,
    adjectives: fields.adjectives,
    style: { all: fields.style.all, chat: fields.style.chat },
    messageExamples: fields.messageExamples.map((conversation) => conversation.map((turn) => ({ role: turn.role, text: turn.text }))),
    system: fields.system,
    knowledge: fields.knowledge,
    greeting: fields.greeting,
    scenario: fields.scenario,
    tags: fields.tags,
    metadata: fields.metadata,
    revision: character.revision,
    createdAt: character.createdAt.toISOString(),
    updatedAt: character.updatedAt.toISOString(),
  };
}

/** Records a character event in the change's transaction (an account with no endpoint for it: one indexed read). */
function recordCharacterEvent(
  tx: Prisma.TransactionClient,
  type: 'character.created' | 'character.updated' | 'character.deleted',
  character: Character,
) {
  return recordEvent(tx, { accountId: character.accountId, type, data: () => characterResource(character) });
}

export async function createCharacter(
  prisma: PrismaClient,
  accountId: string,
  rawInput: unknown,
  commit?: CommitMark,
): Promise<Character> {
  const fields = parseInput(characterInputSchema, rawInput);
  const id = newId('chr');
  const now = new Date();
  const json = fields as unknown as Prisma.InputJsonObject;
  // The character, its first revision, its event and (for an idempotent request) the record that says so.
  return prisma.$transaction(async (tx) => {
    const character = await tx.character.create({
      data: { id, accountId, name: fields.name, revision: 1, fields: json, createdAt: now, updatedAt: now },
    });
    await tx.characterRevision.create({ data: { characterId: id, number: 1, fields: json, createdAt: now } });
    await replaceCharacterKnowledge(tx, character, fields.knowledge ?? []);
    if (commit) await commit(tx, { type: 'Character', id });
    await recordCharacterEvent(tx, 'character.created', character);
    return character;
  });
}

/** The character, if it exists and belongs to the account; otherwise NOT_FOUND (never which). */
export async function getCharacter(prisma: PrismaClient, accountId: string, id: string): Promise<Character> {
  const character = isCharacterId(id) ? await prisma.character.findFirst({ where: { id, accountId } }) : null;
  if (!character) throw characterNotFound(id);
  return character;
}

/** Replaces the fields named, and records the result as the next revision, in one transaction. */
export async function updateCharacter(
  prisma: PrismaClient,
  accountId: string,
  id: string,
  rawInput: Record<string, unknown>,
  commit?: CommitMark,
): Promise<Character> {
  const parsed = parseInput(updateCharacterSchema, rawInput);
  const changes = Object.fromEntries(
    Object.keys(rawInput).map((key) => [key, parsed[key as keyof typeof parsed]]),
  ) as Partial<CharacterFields>;
  if (!isCharacterId(id)) throw characterNotFound(id);
  return prisma.$transaction(async (tx) => {
    // Locks the row: concurrent changes get consecutive revision numbers.
    const locked = await tx.$queryRaw<{ revision: number; fields: Prisma.JsonValue }[]>`
      SELECT "revision", "fields" FROM "Character" WHERE "id" = ${id} AND "accountId" = ${accountId} FOR UPDATE`;
    const current = locked[0];
    if (!current) throw characterNotFound(id);
    const fields = { ...characterFields(current), ...changes };
    const json = fields as unknown as Prisma.InputJsonObject;
    const number = current.revision + 1;
    const now = new Date();
    await tx.characterRevision.create({ data: { characterId: id, number, fields: json, createdAt: now } });
    if (commit) await commit(tx, { type: 'Character', id });
    const character = await tx.character.update({
      where: { id },
      data: { name: fields.name, revision: number, fields: json, updatedAt: now },
    });
    await replaceCharacterKnowledge(tx, character, fields.knowledge ?? []);
    await recordCharacterEvent(tx, 'character.updated', character);
    return character;
  });
}

/**
 * Deletes the character and its revisions. While agents use it, CHARACTER_IN_USE, unless `force`:
 * then they are detached (no character) in the same transaction. Answers how many were detached.
 */
export async function deleteCharacter(
  prisma: PrismaClient,
  accountId: string,
  id: string,
  force = false,
  commit?: CommitMark,
): Promise<number> {
  if (!isCharacterId(id)) throw characterNotFound(id);
  return prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Character" WHERE "id" = ${id} AND "accountId" = ${accountId} FOR UPDATE`;
    if (locked.length === 0) throw characterNotFound(id);
    const users = { characterId: id, accountId };
    let detached = 0;
    if (force) {
      ({ count: detached } = await tx.agent.updateMany({ where: users, data: { characterId: null, characterRevision: null } }));
    } else {
      const agents = await tx.agent.count({ where: users });
      if (agents > 0) {
        throw new ApiError(
          'CHARACTER_IN_USE',
          `Character ${JSON.stringify(id)} is used by ${agents} agent${agents === 1 ? '' : 's'}; detach them first, or delete with force`,
          { id, agents },
        );
      }
    }
    // The event carries the character as it was: the row the delete returns.
    const character = await tx.character.delete({ where: { id } });
    if (commit) await commit(tx, { type: 'Character', id });
    await recordCharacterEvent(tx, 'character.deleted', character);
    return detached;
  });
}

export function listCharacters(prisma: PrismaClient, accountId: string, args: PageArgs): Promise<Page<Character>> {
  const total = () => accountCounter(prisma, accountId, 'characterCount');
  return paginate(args, idOrderedSource<Character>(prisma.character, { accountId }, isCharacterId, total, {
      prisma,
      table: 'Character',
      ownerColumn: 'accountId',
      ownerId: accountId,
    }));
}

/** A revision as a list item: its cursor is its number, zero-padded so that cursors sort as numbers. */
export type RevisionItem = CharacterRevision & { id: string };

const CURSOR_DIGITS = 10;
const REVISION_CURSOR = new RegExp(`^\\d{${CURSOR_DIGITS}}$`);
const toItem = (row: CharacterRevision): RevisionItem => ({ ...row, id: String(row.number).padStart(CURSOR_DIGITS, '0') });

function numberFilter(filter?: { lt?: string; gt?: string; gte?: string }) {
  if (!filter) return undefined;
  const number: { lt?: number; gt?: number; gte?: number } = {};
  for (const op of ['lt', 'gt', 'gte'] as const) if (filter[op] !== undefined) number[op] = Number(filter[op]);
  return number;
}

/** The revisions of a character already read from its account, newest first. */
export function revisionsOfCharacter(prisma: PrismaClient, characterId: string, args: PageArgs): Promise<Page<RevisionItem>> {
  const where = (filter?: { lt?: string; gt?: string; gte?: string }) => {
    const number = numberFilter(filter);
    return number ? { characterId, number } : { characterId };
  };
  const source: PageSource<RevisionItem> = {
    isValidCursor: (cursor) => REVISION_CURSOR.test(cursor),
    total: () => prisma.characterRevision.count({ where: where() }),
    count: (filter) => prisma.characterRevision.count({ where: where(filter) }),
    findMany: async ({ idFilter, order, skip, take }) =>
      (await prisma.characterRevision.findMany({ where: where(idFilter), orderBy: { number: order }, skip, take })).map(toItem),
  };
  return paginate(args, source);
}

export async function getCharacterRevision(
  prisma: PrismaClient,
  accountId: string,
  characterId: string,
  number: number,
): Promise<CharacterRevision> {
  const character = await getCharacter(prisma, accountId, characterId);
  const revision = Number.isSafeInteger(number)
    ? await prisma.characterRevision.findUnique({ where: { characterId_number: { characterId: character.id, number } } })
    : null;
  if (!revision) throw notFound(`Revision ${number} of character`, characterId);
  return revision;
}

/** The resource's own bounds that the file formats do not know: tag sizes and turns in all. */
function fitToResource(result: ImportResult): ImportResult {
  const dropped = [...result.dropped];
  const tags = result.character.tags.filter((tag) => tag.length <= CHARACTER_LIMITS.tag).slice(0, CHARACTER_LIMITS.tags);
  if (tags.length < result.character.tags.length) dropped.push('tags');
  const messageExamples: typeof result.character.messageExamples = [];
  let turns = 0;
  result.character.messageExamples.forEach((conversation, i) => {
    if (turns + conversation.length > CHARACTER_LIMITS.totalTurns) {
      dropped.push(`messageExamples[${i}]`);
      return;
    }
    turns += conversation.length;
    messageExamples.push(conversation);
  });
  return { ...result, character: { ...result.character, tags, messageExamples }, dropped };
}

export type ImportedCharacter = { character: Character; format: ImportResult['format']; mapped: string[]; dropped: string[] };

/**
 * Creates a character from an ElizaOS file or a Character Card V2/V3 (or our own export), saying
 * which source fields were kept and which have no place here. Secrets in the file are never read.
 */
export async function importCharacter(
  prisma: PrismaClient,
  accountId: string,
  file: unknown,
  commit?: CommitMark,
): Promise<ImportedCharacter> {
  const result = fitToResource(importCharacterFile(file));
  const character = await createCharacter(prisma, accountId, result.character, commit);
  return { character, format: result.format, mapped: result.mapped, dropped: result.dropped };
}

/** A character of the account as a file that importCharacter reads back. */
export function exportCharacterFile(character: Character, format: ExportFormat): Record<string, unknown> {
  return exportCharacter({ ...characterFields(character), id: character.id, revision: character.revision }, format) as Record<
    string,
    unknown
  >;
}
