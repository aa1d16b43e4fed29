import { fitConversations, fitList, fitMetadata, fitText } from './bounds.js';
import { dropUnknownKeys, mapIf, readMetadata, readRoleExamples, readStyle } from './fields.js';
import type { JsonObject, SourceReader } from './source.js';
import { CHARACTER_BOUNDS as B, LIST_FIELDS, type CharacterFields } from './types.js';

/** OrionOS's own file: the character's fields as they are, under a card-like envelope. */
export const ORION_SPEC = 'orionos_character';
export const ORION_SPEC_VERSION = '1.0';

const DATA_FIELDS = new Set([
  'name', 'username', 'bio', 'lore', 'topics', 'adjectives', 'style', 'messageExamples', 'system',
  'knowledge', 'greeting', 'scenario', 'tags', 'metadata',
]);

export function importOrion(reader: SourceReader, file: JsonObject): CharacterFields {
  if (file.data === undefined || file.data === null) reader.fail('data', 'is required');
  const data = reader.object(file.data, 'data') ?? {};
  for (const key of Object.keys(file)) {
    // id and revision name the exported resource; an import makes a new one.
    if (key !== 'spec' && key !== 'spec_version' && key !== 'data') reader.dropIfContent(key, file[key]);
  }
  dropUnknownKeys(reader, data, DATA_FIELDS, 'data.');

  const name = reader.text(data.name, 'data.name');
  if (name === undefined || name.trim() === '') reader.fail('data.name', 'is required');
  const lists = Object.fromEntries(
    LIST_FIELDS.map((field) => [field, reader.textList(data[field], `data.${field}`)]),
  ) as Record<(typeof LIST_FIELDS)[number], ReturnType<SourceReader['textList']>>;
  const style = readStyle(reader, data.style, 'data.style');
  const examples = readRoleExamples(reader, data.messageExamples, 'data.messageExamples');
  const metadata = readMetadata(reader, data.metadata, 'data.metadata');
  const username = reader.text(data.username, 'data.username');
  const system = reader.text(data.system, 'data.system');
  const greeting = reader.text(data.greeting, 'data.greeting');
  const scenario = reader.text(data.scenario, 'data.scenario');
  reader.throwIfInvalid();

  for (const key of DATA_FIELDS) mapIf(reader, `data.${key}`, data[key]);
  return {
    name: fitText(reader, name, B.nameChars, 'data.name') ?? '',
    username: fitText(reader, username, B.usernameChars, 'data.username'),
    bio: fitList(reader, lists.bio),
    lore: fitList(reader, lists.lore),
    topics: fitList(reader, lists.topics),
    adjectives: fitList(reader, lists.adjectives),
    style: { all: fitList(reader, style.all), chat: fitList(reader, style.chat) },
    messageExamples: fitConversations(reader, examples),
    system: fitText(reader, system, B.longTextChars, 'data.system'),
    knowledge: fitList(reader, lists.knowledge),
    greeting: fitText(reader, greeting, B.longTextChars, 'data.greeting'),
    scenario: fitText(reader, scenario, B.longTextChars, 'data.scenario'),
    tags: fitList(reader, lists.tags),
    metadata: fitMetadata(reader, metadata),
  };
}

export function exportOrion(character: CharacterFields & { id?: string; revision?: number }): object {
  return {
    spec: ORION_SPEC,
    spec_version: ORION_SPEC_VERSION,
    ...(character.id === undefined ? {} : { id: character.id }),
    ...(character.revision === undefined ? {} : { revision: character.revision }),
    data: {
      name: character.name,
      username: character.username ?? null,
      bio: [...character.bio],
      lore: [...character.lore],
      topics: [...character.topics],
      adjectives: [...character.adjectives],
      style: { all: [...character.style.all], chat: [...character.style.chat] },
      messageExamples: character.messageExamples.map((c) => c.map((t) => ({ role: t.role, text: t.text }))),
      system: character.system ?? null,
      knowledge: [...character.knowledge],
      greeting: character.greeting ?? null,
      scenario: character.scenario ?? null,
      tags: [...character.tags],
      metadata: { ...character.metadata },
    },
  };
}
