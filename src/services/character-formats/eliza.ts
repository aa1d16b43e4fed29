import { fitConversations, fitList, fitMetadata, fitText, type SourcedConversation, type SourcedTurn } from './bounds.js';
import { dropUnknownKeys, mapIf, readMetadata } from './fields.js';
import { isObject, type JsonObject, type SourceReader, type Sourced } from './source.js';
import { CHARACTER_BOUNDS as B, type CharacterFields } from './types.js';

/**
 * ElizaOS character files: the legacy shape (0.x: `lore`, `clients`, `modelProvider`, examples
 * spoken by `user`) and the 1.x one (examples spoken by `name`, `system`, `templates`, top-level
 * `secrets`, knowledge objects), including newer files that wrap each example conversation as
 * `{examples: […]}`. Fields ElizaOS has no place for travel in `settings.orionos`.
 */

const KNOWN = new Set([
  'name', 'username', 'system', 'bio', 'lore', 'topics', 'adjectives', 'style', 'messageExamples',
  'knowledge', 'settings', 'secrets',
]);
const LEGACY_HINTS = ['clients', 'modelProvider', 'imageModelProvider', 'imageVisionModelProvider', 'people', 'twitterProfile'];
const AGENT_PLACEHOLDERS = new Set(['{{agentname}}', '{{char}}', '{{agent}}']);
const USER_PLACEHOLDER = /^\{\{(user|name)\d*\}\}$/i;
const EXTENSION = 'orionos';

export type ElizaShape = 'eliza-legacy' | 'eliza-1x';

type RawTurn = { speaker: string; speakerPath: string; text: string | undefined; source: string };

export function importEliza(
  reader: SourceReader,
  file: JsonObject,
): { character: CharacterFields; format: ElizaShape } {
  dropUnknownKeys(reader, file, KNOWN);
  const name = reader.text(file.name, 'name');
  if (name === undefined) reader.fail('name', 'is required');
  const username = reader.text(file.username, 'username');
  const system = reader.text(file.system, 'system');
  const bio =
    typeof file.bio === 'string'
      ? (reader.text(file.bio, 'bio') ?? '')
          .split(/\n[ \t]*\n/)
          .map((text) => ({ text: text.trim(), source: 'bio' }))
          .filter((item) => item.text !== '')
      : readList(reader, file.bio, 'bio', 'must be a string or a list of strings');
  const lore = reader.textList(file.lore, 'lore');
  const topics = reader.textList(file.topics, 'topics');
  const adjectives = reader.textList(file.adjectives, 'adjectives');
  const style = readStyle(reader, file.style);
  const knowledge = readKnowledge(reader, file.knowledge);
  const { conversations, speakerKeys } = readExamples(reader, file.messageExamples);
  const extra = readSettings(reader, file.settings);
  reader.dropIfContent('secrets', file.secrets);
  reader.throwIfInvalid();

  const agentNames = new Set([name, username].filter((n) => n !== undefined).map((n) => n.toLowerCase()));
  const examples = conversations.map((c) => assignRoles(reader, c, agentNames));
  for (const key of ['name', 'username', 'system', 'bio', 'lore', 'topics', 'adjectives', 'knowledge']) {
    mapIf(reader, key, key === 'knowledge' ? knowledge[0] : file[key]);
  }
  mapIf(reader, 'style.all', style.all[0]);
  mapIf(reader, 'style.chat', style.chat[0]);
  mapIf(reader, 'messageExamples', examples.find((c) => c.turns.length > 0));

  const legacy =
    speakerKeys.has('user') ||
    (!speakerKeys.has('name') && LEGACY_HINTS.some((key) => file[key] !== undefined));
  return {
    format: legacy ? 'eliza-legacy' : 'eliza-1x',
    character: {
      name: fitText(reader, name, B.nameChars, 'name') ?? '',
      username: fitText(reader, username, B.usernameChars, 'username'),
      bio: fitList(reader, bio),
      lore: fitList(reader, lore),
      topics: fitList(reader, topics),
      adjectives: fitList(reader, adjectives),
      style: { all: fitList(reader, style.all), chat: fitList(reader, style.chat) },
      messageExamples: fitConversations(reader, examples),
      system: fitText(reader, system, B.longTextChars, 'system'),
      knowledge: fitList(reader, knowledge),
      greeting: fitText(reader, extra.greeting, B.longTextChars, `settings.${EXTENSION}.greeting`),
      scenario: fitText(reader, extra.scenario, B.longTextChars, `settings.${EXTENSION}.scenario`),
      tags: fitList(reader, extra.tags),
      metadata: fitMetadata(reader, extra.metadata),
    },
  };
}

function readList(reader: SourceReader, value: unknown, path: string, message: string): Sourced[] {
  if (value !== undefined && value !== null && !Array.isArray(value)) {
    reader.fail(path, message);
    return [];
  }
  return reader.textList(value, path);
}

function readStyle(reader: SourceReader, value: unknown) {
  const style = reader.object(value, 'style');
  if (style) dropUnknownKeys(reader, style, new Set(['all', 'chat']), 'style.');
  return { all: reader.textList(style?.all, 'style.all'), chat: reader.textList(style?.chat, 'style.chat') };
}

/** Knowledge strings are kept; `{path}`/`{directory}` entries point at files this API cannot read. */
function readKnowledge(reader: SourceReader, value: unknown): Sourced[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    reader.fail('knowledge', 'must be a list');
    return [];
  }
  return value.flatMap((item, i) => {
    const source = `knowledge[${i}]`;
    if (typeof item === 'string') {
      const text = reader.text(item, source);
      return text === undefined ? [] : [{ text, source }];
    }
    if (isObject(item)) {
      reader.dropIfContent(source, item);
      return [];
    }
    return reader.fail(source, 'must be a string or an object') ?? [];
  });
}

/** Settings are runtime configuration (models, voices, secrets) and are not kept, except ours. */
function readSettings(reader: SourceReader, value: unknown) {
  const settings = reader.object(value, 'settings') ?? {};
  for (const key of Object.keys(settings)) {
    if (key !== EXTENSION) reader.dropIfContent(`settings.${key}`, settings[key]);
  }
  const path = `settings.${EXTENSION}`;
  const ours = reader.object(settings[EXTENSION], path) ?? {};
  dropUnknownKeys(reader, ours, new Set(['greeting', 'scenario', 'tags', 'metadata']), `${path}.`);
  for (const key of ['greeting', 'scenario', 'tags', 'metadata']) mapIf(reader, `${path}.${key}`, ours[key]);
  return {
    greeting: reader.text(ours.greeting, `${path}.greeting`),
    scenario: reader.text(ours.scenario, `${path}.scenario`),
    tags: reader.textList(ours.tags, `${path}.tags`),
    metadata: readMetadata(reader, ours.metadata, `${path}.metadata`),
  };
}

function readExamples(reader: SourceReader, value: unknown) {
  const speakerKeys = new Set<string>();
  const conversations: { turns: RawTurn[]; source: string }[] = [];
  if (value === undefined || value === null) return { conversations, speakerKeys };
  if (!Array.isArray(value)) {
    reader.fail('messageExamples', 'must be a list of conversations');
    return { conversations, speakerKeys };
  }
  value.forEach((conversation, i) => {
    let source = `messageExamples[${i}]`;
    let turns: unknown = conversation;
    if (isObject(conversation) && Array.isArray(conversation.examples)) {
      source = `${source}.examples`;
      turns = conversation.examples;
    }
    if (!Array.isArray(turns)) {
      reader.fail(source, 'must be a list of messages (or {examples: [messages]})');
      return;
    }
    conversations.push({
      source,
      turns: turns.flatMap((turn, j) => {
        const turnSource = `${source}[${j}]`;
        const raw = readTurn(reader, turn, turnSource);
        if (raw) speakerKeys.add(raw.speakerPath.slice(turnSource.length + 1));
        return raw ? [raw] : [];
      }),
    });
  });
  return { conversations, speakerKeys };
}

function readTurn(reader: SourceReader, turn: unknown, source: string): RawTurn | undefined {
  if (!isObject(turn)) return reader.fail(source, 'must be an object with a speaker and content');
  const key = typeof turn.user === 'string' ? 'user' : 'name';
  const speaker = reader.text(turn[key], `${source}.${key}`);
  if (speaker === undefined) return reader.fail(`${source}.name`, 'must name the speaker (name or user)');
  const content = reader.object(turn.content, `${source}.content`);
  if (!content) return reader.fail(`${source}.content`, 'is required');
  const text = reader.text(content.text, `${source}.content.text`);
  const pattern = source.replace(/\[\d+\]/g, '[*]');
  for (const extra of Object.keys(content)) {
    if (extra !== 'text') reader.dropIfContent(`${pattern}.content.${extra}`, content[extra]);
  }
  if (text === undefined) reader.dropIfContent(source, content);
  return { speaker, speakerPath: `${source}.${key}`, text, source };
}

/**
 * The agent speaks as its name, its username or an agent placeholder (any case); failing that, as
 * the one speaker of the conversation that is not a user placeholder. Other speakers are the
 * user; a second distinct one (a third persona) is mapped to the user too, and reported.
 */
function assignRoles(
  reader: SourceReader,
  conversation: { turns: RawTurn[]; source: string },
  agentNames: Set<string>,
): SourcedConversation {
  const key = (turn: RawTurn) => turn.speaker.toLowerCase();
  let isAgent = (turn: RawTurn) => agentNames.has(key(turn)) || AGENT_PLACEHOLDERS.has(key(turn));
  if (!conversation.turns.some(isAgent)) {
    const named = new Set(conversation.turns.map(key).filter((s) => !USER_PLACEHOLDER.test(s)));
    const [only] = named;
    if (named.size === 1) isAgent = (turn) => key(turn) === only;
  }
  let user: string | undefined;
  const turns: SourcedTurn[] = [];
  for (const turn of conversation.turns) {
    const agent = isAgent(turn);
    if (!agent) {
      user ??= key(turn);
      if (key(turn) !== user) reader.drop(turn.speakerPath);
    }
    if (turn.text === undefined) continue;
    turns.push({ role: agent ? 'agent' : 'user', text: turn.text, source: turn.source, textSource: `${turn.source}.content.text` });
  }
  return { turns, source: conversation.source };
}

export function exportEliza(character: CharacterFields): object {
  const userSpeaker = character.name.toLowerCase() === '{{user1}}' ? '{{user2}}' : '{{user1}}';
  const ours = {
    ...(character.greeting ? { greeting: character.greeting } : {}),
    ...(character.scenario ? { scenario: character.scenario } : {}),
    tags: [...character.tags],
    metadata: { ...character.metadata },
  };
  return {
    name: character.name,
    ...(character.username ? { username: character.username } : {}),
    ...(character.system ? { system: character.system } : {}),
    bio: [...character.bio],
    lore: [...character.lore],
    messageExamples: character.messageExamples.map((turns) =>
      turns.map((t) => ({ name: t.role === 'agent' ? character.name : userSpeaker, content: { text: t.text } })),
    ),
    postExamples: [],
    topics: [...character.topics],
    adjectives: [...character.adjectives],
    knowledge: [...character.knowledge],
    style: { all: [...character.style.all], chat: [...character.style.chat], post: [] },
    plugins: [],
    settings: { [EXTENSION]: ours },
  };
}
