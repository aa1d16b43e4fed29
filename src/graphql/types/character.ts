import { CHARACTER_LIMITS as L, type CharacterFields } from '../../services/character-input.js';
import {
  characterFields,
  createCharacter,
  deleteCharacter,
  exportCharacterFile,
  importCharacter,
  type ImportedCharacter,
  getCharacter,
  getCharacterRevision,
  listCharacters,
  revisionsOfCharacter,
  updateCharacter,
  type RevisionItem,
} from '../../services/characters.js';
import type { PageArgs } from '../../services/pagination.js';
import { builder, requireKey } from '../builder.js';
import { connectionOf, edgeOf, pageArgs, toConnection } from '../pagination.js';

type Turn = CharacterFields['messageExamples'][number][number];

const TurnRole = builder.enumType('CharacterTurnRole', {
  description: 'Who speaks in a turn of an example conversation.',
  values: {
    user: { description: 'The person talking to the character.' },
    agent: { description: 'The character itself.' },
  } as const,
});

const TurnRef = builder.objectRef<Turn>('CharacterTurn').implement({
  description: 'One turn of an example conversation.',
  fields: (t) => ({
    role: t.field({ type: TurnRole, description: 'Who speaks.', resolve: (turn) => turn.role }),
    text: t.exposeString('text', { description: 'What they say.' }),
  }),
});

const StyleRef = builder.objectRef<CharacterFields['style']>('CharacterStyle').implement({
  description: 'How the character writes: rules for every answer (`all`) and for chat (`chat`).',
  fields: (t) => ({
    all: t.exposeStringList('all', { description: 'Rules for every answer, e.g. "Never uses emoji".' }),
    chat: t.exposeStringList('chat', { description: 'Rules for chat answers in particular.' }),
  }),
});

/** The fields a character and each of its revisions share. */
const personaFields = <T extends { fields: unknown }>(t: any) => ({
  name: t.string({ description: 'Who the agent plays ("You play the character …").', resolve: (r: T) => characterFields(r as never).name }),
  username: t.string({
    nullable: true,
    description: 'A handle, shown as @username after the name; null when none.',
    resolve: (r: T) => characterFields(r as never).username,
  }),
  bio: t.stringList({ description: 'Sentences about who the character is, joined into one paragraph of the prompt.', resolve: (r: T) => characterFields(r as never).bio }),
  lore: t.stringList({ description: 'Background facts and history, listed as "Background".', resolve: (r: T) => characterFields(r as never).lore }),
  topics: t.stringList({ description: 'Subjects the character knows well.', resolve: (r: T) => characterFields(r as never).topics }),
  adjectives: t.stringList({ description: 'Words that describe the character ("You are …").', resolve: (r: T) => characterFields(r as never).adjectives }),
  style: t.field({ type: StyleRef, description: 'How the character writes.', resolve: (r: T) => characterFields(r as never).style }),
  messageExamples: t.field({
    type: [[TurnRef]],
    description: 'Example conversations, each a list of turns.',
    resolve: (r: T) => characterFields(r as never).messageExamples,
  }),
  system: t.string({
    nullable: true,
    description: 'Extra instructions, last in the character’s part of the prompt; null when none.',
    resolve: (r: T) => characterFields(r as never).system,
  }),
  knowledge: t.stringList({
    description: 'Facts the character knows: indexed as knowledge documents and retrieved by relevance for each message.',
    resolve: (r: T) => characterFields(r as never).knowledge,
  }),
  greeting: t.string({
    nullable: true,
    description: 'How the character greets someone new; the offline engine opens a conversation with it. Null when none.',
    resolve: (r: T) => characterFields(r as never).greeting,
  }),
  scenario: t.string({
    nullable: true,
    description: 'The situation the conversation takes place in; null when none.',
    resolve: (r: T) => characterFields(r as never).scenario,
  }),
  tags: t.stringList({ description: 'Your labels for finding characters; not in the prompt.', resolve: (r: T) => characterFields(r as never).tags }),
  metadata: t.field({
    type: 'StringMap',
    description: 'Your own string pairs (up to 16), stored and returned as given; not in the prompt.',
    resolve: (r: T) => characterFields(r as never).metadata,
  }),
});

const CharacterRevisionRef = builder.objectRef<RevisionItem>('CharacterRevision').implement({
  description: 'An immutable snapshot of a character, made by its creation (revision 1) and by every change.',
  fields: (t) => ({
    number: t.exposeInt('number', { description: 'The revision number: 1 at creation, then one more per change.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When this revision was made.' }),
    ...personaFields<RevisionItem>(t),
  }),
});

const ExportFormatEnum = builder.enumType('CharacterExportFormat', {
  description: 'The file format of a character export.',
  values: {
    orion: { description: 'OrionOS’s own format: every field, lossless.' },
    eliza: { description: 'An ElizaOS 1.x character file.' },
    ccv2: { description: 'A Character Card V2 (chara_card_v2) JSON.' },
  } as const,
});

export const CharacterRef = builder.prismaNode('Character', {
  description: 'A reusable persona agents can speak as; every change is kept as a revision.',
  id: { field: 'id', description: 'The character’s ID (`chr_…`).' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, accountId: requireKey(ctx).account.id }),
  fields: (t) => ({
    ...personaFields(t),
    revision: t.exposeInt('revision', { description: 'The number of the latest revision.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the character was created (its revision 1).' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed (its latest revision).' }),
    revisions: t.connection(
      {
        type: CharacterRevisionRef,
        description: 'Every revision, newest first.',
        args: pageArgs(t),
        resolve: async (character, args, ctx) =>
          toConnection(await revisionsOfCharacter(ctx.prisma, character.id, args as PageArgs)) as never,
      },
      connectionOf('CharacterRevisionConnection', 'a character’s revisions'),
      edgeOf('revision'),
    ),
    export: t.field({
      type: 'JSONObject',
      description:
        'The character as a file: `orion` (every field, lossless), `eliza` (an ElizaOS 1.x character file) or `ccv2` (a Character Card V2); importCharacter reads each back.',
      args: { format: t.arg({ type: ExportFormatEnum, required: false, defaultValue: 'orion', description: 'The file format; default orion.' }) },
      resolve: (character, { format }) => exportCharacterFile(character, format ?? 'orion'),
    }),
    revisionByNumber: t.field({
      type: CharacterRevisionRef,
      nullable: true,
      description: 'One revision by its number; null when there is none.',
      args: { number: t.arg.int({ required: true, description: 'The revision number (1 is the first).' }) },
      resolve: async (character, { number }, ctx) => {
        const row = await ctx.prisma.characterRevision.findUnique({
          where: { characterId_number: { characterId: character.id, number } },
        });
        return row ? { ...row, id: String(row.number) } : null;
      },
    }),
  }),
});

const TurnInput = builder.inputType('CharacterTurnInput', {
  description: 'One turn of an example conversation.',
  fields: (t) => ({
    role: t.field({ type: TurnRole, required: true, description: 'Who speaks: user or agent.' }),
    text: t.string({ required: true, description: `1–${L.turnText} characters.` }),
  }),
});

const StyleInput = builder.inputType('CharacterStyleInput', {
  description: `Omitted or null lists are empty. Up to ${L.listItems} rules each, each 1–${L.listItem} characters.`,
  fields: (t) => ({
    all: t.stringList({ description: 'Rules for every answer.' }),
    chat: t.stringList({ description: 'Rules for chat answers in particular.' }),
  }),
});

const list = `Up to ${L.listItems} items, each 1–${L.listItem} characters.`;

const characterInputFields = (t: any, nameRequired: boolean) => ({
  name: t.string({ required: nameRequired, description: `1–${L.name} characters.` }),
  username: t.string({ description: `At most ${L.username} characters.` }),
  bio: t.stringList({ description: list }),
  lore: t.stringList({ description: list }),
  topics: t.stringList({ description: list }),
  adjectives: t.stringList({ description: list }),
  style: t.field({ type: StyleInput, description: 'How the character writes: rules for every answer and for chat.' }),
  messageExamples: t.field({
    type: [[TurnInput]],
    description: `Up to ${L.conversations} example conversations of 1–${L.turns} turns (${L.totalTurns} turns in all).`,
  }),
  system: t.string({ description: `At most ${L.system} characters.` }),
  knowledge: t.stringList({ description: list }),
  greeting: t.string({ description: `At most ${L.greeting} characters; the offline engine opens a conversation with it.` }),
  scenario: t.string({ description: `At most ${L.scenario} characters.` }),
  tags: t.stringList({ description: `Up to ${L.tags} tags, each 1–${L.tag} characters.` }),
  metadata: t.field({ type: 'StringMap', description: `Up to ${L.metadataPairs} string pairs.` }),
});

const CreateCharacterInput = builder.inputType('CreateCharacterInput', {
  description: 'Only name is required; omitted lists are empty.',
  fields: (t) => characterInputFields(t, true),
});

const UpdateCharacterInput = builder.inputType('UpdateCharacterInput', {
  description: 'Each field given replaces the stored one; null clears an optional field. Every change makes a new revision.',
  fields: (t) => characterInputFields(t, false),
});

const DeleteCharacterPayload = builder
  .objectRef<{ deletedId: string; deleted: boolean; detachedAgents: number }>('DeleteCharacterPayload')
  .implement({
    description: 'What was deleted: the character with its revisions and knowledge documents.',
    fields: (t) => ({
      deletedId: t.exposeID('deletedId', { description: 'The ID of the deleted character.' }),
      deleted: t.exposeBoolean('deleted', { description: 'Always true.' }),
      detachedAgents: t.exposeInt('detachedAgents', { description: 'Agents that used it and now have no character (force).' }),
    }),
  });

builder.queryFields((t) => ({
  character: t.field({
    type: CharacterRef,
    description: 'One character of your account.',
    authScopes: { scope: 'characters:read' },
    args: { id: t.arg.id({ required: true, description: 'The character’s ID (`chr_…`).' }) },
    resolve: (_root, { id }, ctx) => getCharacter(ctx.prisma, requireKey(ctx).account.id, String(id)),
  }),
  characters: t.connection(
    {
      type: CharacterRef,
      description: 'Your characters, newest first.',
      authScopes: { scope: 'characters:read' },
      args: pageArgs(t),
      resolve: async (_root, args, ctx) =>
        toConnection(await listCharacters(ctx.prisma, requireKey(ctx).account.id, args as PageArgs)) as never,
    },
    connectionOf('CharacterConnection', 'characters'),
    edgeOf('character'),
  ),
  characterRevision: t.field({
    type: CharacterRevisionRef,
    description: 'One revision of a character of your account (NOT_FOUND when either is missing).',
    authScopes: { scope: 'characters:read' },
    args: {
      id: t.arg.id({ required: true, description: 'The character’s ID (`chr_…`).' }),
      number: t.arg.int({ required: true, description: 'The revision number (1 is the first).' }),
    },
    resolve: async (_root, { id, number }, ctx) => {
      const row = await getCharacterRevision(ctx.prisma, requireKey(ctx).account.id, String(id), number);
      return { ...row, id: String(row.number) };
    },
  }),
}));

const ImportCharacterPayload = builder.objectRef<ImportedCharacter>('ImportCharacterPayload').implement({
  description: 'The character made from an imported file, and what became of the file’s fields.',
  fields: (t) => ({
    character: t.field({ type: CharacterRef, nullable: false, description: 'The new character (revision 1).', resolve: (r) => r.character }),
    format: t.exposeString('format', { description: 'What the file was read as: eliza-legacy, eliza-1x, ccv2, ccv3 or orion.' }),
    mapped: t.exposeStringList('mapped', { description: 'The file’s fields (dotted paths) kept in the character.' }),
    dropped: t.exposeStringList('dropped', {
      description: 'The file’s fields not kept, in whole or in part (no place for them here, secrets, or past a bound).',
    }),
  }),
});

builder.mutationFields((t) => ({
  importCharacter: t.field({
    type: ImportCharacterPayload,
    description:
      'Creates a character from an ElizaOS character file (legacy or 1.x), a Character Card V2/V3, or an OrionOS export. Secrets in the file are never stored.',
    authScopes: { scope: 'characters:write' },
    args: { input: t.arg({ type: 'JSONObject', required: true, description: 'The character file.' }) },
    resolve: (_root, { input }, ctx) => importCharacter(ctx.prisma, requireKey(ctx).account.id, input, ctx.idempotency?.commit),
  }),
  createCharacter: t.field({
    type: CharacterRef,
    description: 'Creates a character (its revision 1).',
    authScopes: { scope: 'characters:write' },
    args: { input: t.arg({ type: CreateCharacterInput, required: true, description: 'The new character.' }) },
    resolve: (_root, { input }, ctx) =>
      createCharacter(ctx.prisma, requireKey(ctx).account.id, input, ctx.idempotency?.commit),
  }),
  updateCharacter: t.field({
    type: CharacterRef,
    description: 'Changes a character, making a new revision; agents not pinned to a revision speak as it at once.',
    authScopes: { scope: 'characters:write' },
    args: {
      id: t.arg.id({ required: true, description: 'The character’s ID (`chr_…`).' }),
      input: t.arg({ type: UpdateCharacterInput, required: true, description: 'The changes.' }),
    },
    resolve: (_root, { id, input }, ctx) =>
      updateCharacter(ctx.prisma, requireKey(ctx).account.id, String(id), input as Record<string, unknown>, ctx.idempotency?.commit),
  }),
  deleteCharacter: t.field({
    type: DeleteCharacterPayload,
    description: 'Deletes a character with its revisions. CHARACTER_IN_USE (409) while agents use it, unless force.',
    authScopes: { scope: 'characters:write' },
    args: {
      id: t.arg.id({ required: true, description: 'The character’s ID (`chr_…`).' }),
      force: t.arg.boolean({
        description: 'Detach the agents that use it (they keep no character) instead of failing with CHARACTER_IN_USE.',
      }),
    },
    resolve: async (_root, { id, force }, ctx) => {
      const detachedAgents = await deleteCharacter(ctx.prisma, requireKey(ctx).account.id, String(id), force ?? false, ctx.idempotency?.commit);
      return { deletedId: String(id), deleted: true, detachedAgents };
    },
  }),
}));
