import { fitConversations, fitList, fitMetadata, fitText, type SourcedConversation } from './bounds.js';
import { dropUnknownKeys, mapIf, readMetadata, readRoleExamples, readStyle } from './fields.js';
import { dialogueStart, parseMesExample, renderMesExample } from './mes-example.js';
import { isObject, normalizeNewlines, type JsonObject, type SourceReader, type Sourced } from './source.js';
import { CHARACTER_BOUNDS as B, type CharacterFields, type ExampleTurn } from './types.js';

/**
 * Character Card V2/V3 (the format SillyTavern and most character sites use). Fields a card has
 * no place for travel in `data.extensions.orionos`, which the specification reserves for
 * applications; a structured value there wins over the card's text only while that text is still
 * exactly what the export wrote, so an edit made in another tool is never overridden.
 */

export const CARD_V2_SPEC = 'chara_card_v2';
export const CARD_V3_SPEC = 'chara_card_v3';
const EXTENSION = 'orionos';

const DATA_FIELDS = new Set([
  'name', 'description', 'personality', 'scenario', 'first_mes', 'mes_example', 'creator_notes',
  'system_prompt', 'tags', 'creator', 'character_version', 'character_book', 'extensions', 'nickname',
]);
/** Metadata keys that a card carries in fields of its own. */
const METADATA_FIELDS = ['creator', 'character_version', 'creator_notes'] as const;
/** SillyTavern's copies of card fields beside `data` (the V1 layout), by their `data` name. */
const TOP_LEVEL_COPIES: Record<string, string> = {
  name: 'name', description: 'description', personality: 'personality', scenario: 'scenario',
  first_mes: 'first_mes', mes_example: 'mes_example', creatorcomment: 'creator_notes', tags: 'tags',
};

const paragraphs = (text: string): string[] =>
  text.split(/\n[ \t]*\n/).map((p) => p.trim()).filter((p) => p !== '');
const describe = (bio: string[], lore: string[]): string => [...bio, ...lore].join('\n\n');
const texts = (items: Sourced[]): string[] => items.map((item) => item.text);

/** A personality that is a short list ("witty, curious") maps to adjectives, prose to the bio. */
function adjectiveList(personality: string): string[] | undefined {
  const pieces = personality.split(/[,\n]/).map((p) => p.trim()).filter((p) => p !== '');
  const short = pieces.every((p) => p.length <= 40 && p.split(/\s+/).length <= 4 && !/[.!?;:]/.test(p));
  return short ? pieces : undefined;
}

function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (typeof v === 'string' ? normalizeNewlines(v).trim() : JSON.stringify(v ?? null));
  return norm(a) === norm(b);
}

export function importCard(reader: SourceReader, file: JsonObject): CharacterFields {
  if (file.data === undefined || file.data === null) reader.fail('data', 'is required');
  const data = reader.object(file.data, 'data') ?? {};
  for (const key of Object.keys(file)) {
    if (key === 'spec' || key === 'spec_version' || key === 'data') continue;
    const twin = TOP_LEVEL_COPIES[key];
    // A copy that agrees with `data` loses nothing; one that disagrees (or has no twin) does.
    if (twin === undefined || !sameValue(file[key], data[twin])) reader.dropIfContent(key, file[key]);
  }
  dropUnknownKeys(reader, data, DATA_FIELDS, 'data.');

  const name = reader.text(data.name, 'data.name');
  if (name === undefined) reader.fail('data.name', 'is required');
  const description = reader.text(data.description, 'data.description') ?? '';
  const personality = reader.text(data.personality, 'data.personality') ?? '';
  const mesExample = reader.text(data.mes_example, 'data.mes_example') ?? '';
  const scenario = reader.text(data.scenario, 'data.scenario');
  const greeting = reader.text(data.first_mes, 'data.first_mes');
  const system = reader.text(data.system_prompt, 'data.system_prompt');
  const nickname = reader.text(data.nickname, 'data.nickname');
  const tags = reader.textList(data.tags, 'data.tags');
  const cardMetadata = METADATA_FIELDS.flatMap((key) => {
    const value = reader.text(data[key], `data.${key}`);
    return value === undefined ? [] : [{ key, value, source: `data.${key}` }];
  });
  const knowledge = readCharacterBook(reader, data.character_book);
  const ours = readExtension(reader, data.extensions);
  reader.throwIfInvalid();
  const charName = name ?? '';

  let bio: Sourced[];
  let lore: Sourced[] = [];
  let dialogue: { text: string; source: string } | undefined;
  if (ours && description === describe(texts(ours.bio), texts(ours.lore))) {
    ({ bio, lore } = ours);
  } else {
    let prose = description;
    const at = mesExample === '' ? dialogueStart(description, charName) : undefined;
    if (at !== undefined) {
      prose = description.slice(0, at);
      dialogue = { text: description.slice(at), source: 'data.description' };
    }
    bio = paragraphs(prose).map((text) => ({ text, source: 'data.description' }));
  }

  let adjectives: Sourced[];
  if (ours && personality === texts(ours.adjectives).join(', ')) adjectives = ours.adjectives;
  else {
    const list = adjectiveList(personality);
    adjectives = (list ?? []).map((text) => ({ text, source: 'data.personality' }));
    if (!list) bio.push(...paragraphs(personality).map((text) => ({ text, source: 'data.personality' })));
  }

  let examples: SourcedConversation[] = [];
  const ourExamples = ours?.messageExamples.map((c) => c.turns.map(({ role, text }): ExampleTurn => ({ role, text })));
  if (ours && ourExamples && mesExample === renderMesExample(ourExamples)) examples = ours.messageExamples;
  else {
    const source = mesExample !== '' ? { text: mesExample, source: 'data.mes_example' } : dialogue;
    if (source) {
      const parsed = parseMesExample(source.text, charName, source.source);
      if (parsed.stray) reader.drop(source.source);
      examples = parsed.conversations;
    }
  }

  for (const key of ['name', 'description', 'personality', 'scenario', 'first_mes', 'mes_example', 'system_prompt', 'tags', 'nickname', ...METADATA_FIELDS]) {
    mapIf(reader, `data.${key}`, key === 'tags' ? tags[0] : reader.text(data[key], `data.${key}`));
  }
  const username = ours?.username ?? nickname;
  return {
    name: fitText(reader, name, B.nameChars, 'data.name') ?? '',
    username: fitText(reader, username, B.usernameChars, ours?.username ? 'data.extensions.orionos.username' : 'data.nickname'),
    bio: fitList(reader, bio),
    lore: fitList(reader, lore),
    topics: fitList(reader, ours?.topics ?? []),
    adjectives: fitList(reader, adjectives),
    style: { all: fitList(reader, ours?.style.all ?? []), chat: fitList(reader, ours?.style.chat ?? []) },
    messageExamples: fitConversations(reader, examples),
    system: fitText(reader, system, B.longTextChars, 'data.system_prompt'),
    knowledge: fitList(reader, knowledge),
    greeting: fitText(reader, greeting, B.longTextChars, 'data.first_mes'),
    scenario: fitText(reader, scenario, B.longTextChars, 'data.scenario'),
    tags: fitList(reader, tags),
    metadata: fitMetadata(reader, [...(ours?.metadata ?? []), ...cardMetadata]),
  };
}

/** Lorebook entries become knowledge; their activation settings (keys, order, …) do not carry over. */
function readCharacterBook(reader: SourceReader, value: unknown): Sourced[] {
  const path = 'data.character_book';
  const book = reader.object(value, path);
  if (!book) return [];
  dropUnknownKeys(reader, book, new Set(['entries', 'extensions']), `${path}.`);
  if (book.entries === undefined || book.entries === null) return [];
  if (!Array.isArray(book.entries)) {
    reader.fail(`${path}.entries`, 'must be a list of entries');
    return [];
  }
  const knowledge: Sourced[] = [];
  book.entries.forEach((entry, i) => {
    const source = `${path}.entries[${i}]`;
    if (!isObject(entry)) return reader.fail(source, 'must be an object');
    const content = reader.text(entry.content, `${source}.content`);
    if (entry.enabled === false) return reader.dropIfContent(source, content);
    if (content === undefined) return;
    reader.map(`${path}.entries`);
    knowledge.push({ text: content, source });
    const keys = [entry.keys, entry.secondary_keys].flat().filter((k) => typeof k === 'string' && k.trim() !== '');
    if (keys.length > 0) reader.drop(`${path}.entries[*].keys`);
  });
  return knowledge;
}

function readExtension(reader: SourceReader, value: unknown) {
  const extensions = reader.object(value, 'data.extensions');
  if (!extensions) return undefined;
  dropUnknownKeys(reader, extensions, new Set([EXTENSION]), 'data.extensions.');
  const path = `data.extensions.${EXTENSION}`;
  const block = reader.object(extensions[EXTENSION], path);
  if (!block) return undefined;
  const known = ['version', 'username', 'bio', 'lore', 'adjectives', 'topics', 'style', 'messageExamples', 'metadata'];
  dropUnknownKeys(reader, block, new Set(known), `${path}.`);
  const read = {
    username: reader.text(block.username, `${path}.username`),
    bio: reader.textList(block.bio, `${path}.bio`),
    lore: reader.textList(block.lore, `${path}.lore`),
    adjectives: reader.textList(block.adjectives, `${path}.adjectives`),
    topics: reader.textList(block.topics, `${path}.topics`),
    style: readStyle(reader, block.style, `${path}.style`),
    messageExamples: readRoleExamples(reader, block.messageExamples, `${path}.messageExamples`),
    metadata: readMetadata(reader, block.metadata, `${path}.metadata`),
  };
  for (const key of ['username', 'topics', 'style', 'metadata']) mapIf(reader, `${path}.${key}`, block[key]);
  return read;
}

export function exportCard(character: CharacterFields): object {
  const meta = character.metadata;
  const knowledge = character.knowledge.map((content, i) => ({
    keys: [],
    content,
    extensions: {},
    enabled: true,
    insertion_order: i,
    constant: true,
  }));
  return {
    spec: CARD_V2_SPEC,
    spec_version: '2.0',
    data: {
      name: character.name,
      description: describe(character.bio, character.lore),
      personality: character.adjectives.join(', '),
      scenario: character.scenario ?? '',
      first_mes: character.greeting ?? '',
      mes_example: renderMesExample(character.messageExamples),
      creator_notes: meta.creator_notes ?? '',
      system_prompt: character.system ?? '',
      post_history_instructions: '',
      alternate_greetings: [],
      ...(knowledge.length > 0 ? { character_book: { entries: knowledge, extensions: {} } } : {}),
      tags: [...character.tags],
      creator: meta.creator ?? '',
      character_version: meta.character_version ?? '',
      extensions: {
        [EXTENSION]: {
          version: 1,
          username: character.username ?? null,
          bio: [...character.bio],
          lore: [...character.lore],
          adjectives: [...character.adjectives],
          topics: [...character.topics],
          style: { all: [...character.style.all], chat: [...character.style.chat] },
          messageExamples: character.messageExamples.map((c) => c.map((t) => ({ role: t.role, text: t.text }))),
          metadata: { ...meta },
        },
      },
    },
  };
}
