import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import {
  CHARACTER_BOUNDS as B,
  exportCharacter,
  importCharacterFile,
} from '../../src/services/character-formats/index.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

function invalidFields(file: unknown): { field: string; message: string }[] {
  try {
    importCharacterFile(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('INVALID_REQUEST');
    return (error as ApiError).details.fields as { field: string; message: string }[];
  }
  throw new Error('the file was accepted');
}

describe('ElizaOS legacy files', () => {
  const result = importCharacterFile(fixture('eliza-legacy'));

  it('maps a bio string (by paragraph), lore, style and user-spoken examples', () => {
    expect(result.format).toBe('eliza-legacy');
    expect(result.character).toMatchObject({
      name: 'Trump',
      bio: ['Former president of the United States.', 'Built a real-estate business in New York.'],
      lore: ['Hosted a reality TV show', 'Wrote The Art of the Deal'],
      topics: ['economy', 'border'],
      adjectives: ['bold', 'confident'],
      style: { all: ['uses short sentences', 'speaks in superlatives'], chat: ['answers directly'] },
      knowledge: ['The economy is the main topic of every rally.'],
      messageExamples: [
        [
          { role: 'user', text: 'What will you do about the border?' },
          { role: 'agent', text: 'We will secure it, believe me.' },
        ],
        [
          { role: 'user', text: 'Are you running again?' },
          { role: 'agent', text: 'Stay tuned!' },
        ],
      ],
    });
  });

  it('lists mapped and dropped source fields, secrets among the dropped', () => {
    expect(result.mapped).toEqual(
      expect.arrayContaining(['name', 'bio', 'lore', 'topics', 'adjectives', 'knowledge', 'style.all', 'style.chat', 'messageExamples']),
    );
    expect(result.dropped).toEqual(
      expect.arrayContaining(['clients', 'modelProvider', 'people', 'postExamples', 'style.post', 'settings.secrets', 'settings.voice', 'messageExamples[*][*].content.action']),
    );
    expect(result.dropped).not.toContain('plugins'); // empty: nothing lost
  });

  it('keeps no secret anywhere in its output', () => {
    const out = JSON.stringify(result);
    expect(out).not.toContain('sk-legacy-secret-value-1234');
    expect(out).not.toContain('legacy-discord-token-5678');
    expect(out).not.toContain('OPENAI_API_KEY');
  });
});

describe('ElizaOS 1.x files', () => {
  const result = importCharacterFile(fixture('eliza-1x'));

  it('maps system, username, name-spoken examples whatever the case of the name', () => {
    expect(result.format).toBe('eliza-1x');
    expect(result.character).toMatchObject({
      username: 'eliza_ai',
      system: 'Respond to all messages in a helpful, conversational manner.',
      bio: ['An AI assistant in the elizaOS framework.', 'Helpful and concise.'],
      messageExamples: [
        [
          { role: 'user', text: 'Can you help me?' },
          { role: 'agent', text: 'Of course, what do you need?' },
        ],
        [{ role: 'user', text: 'Thanks!' }],
      ],
    });
  });

  it('keeps knowledge strings and reports {path}/{directory} entries, actions-only turns and top-level secrets as dropped', () => {
    expect(result.character.knowledge).toEqual(['elizaOS is an open-source agent framework.']);
    expect(result.dropped).toEqual(
      expect.arrayContaining(['knowledge[1..2]', 'messageExamples[1][1]', 'messageExamples[*][*].content.actions', 'secrets', 'templates', 'plugins', 'settings.model', 'id']),
    );
    expect(JSON.stringify(result)).not.toContain('sk-1x-secret-value-abcdef');
  });
});

describe('newest ElizaOS files ({examples: […]} conversations)', () => {
  const result = importCharacterFile(fixture('eliza-wrapped'));

  it('unwraps conversations, maps {{agentName}} to the agent and every other speaker to the user', () => {
    const [first, second, third] = result.character.messageExamples;
    expect(first?.map((t) => t.role)).toEqual(['user', 'agent', 'user', 'agent']);
    expect(second?.map((t) => t.role)).toEqual(['user', 'agent', 'user']);
    // No speaker is the character's name: the one that is not a placeholder is the agent.
    expect(third?.map((t) => t.role)).toEqual(['user', 'agent']);
  });

  it('reports a third persona as a dropped speaker', () => {
    expect(result.dropped).toEqual(['messageExamples[0].examples[2].name', 'messageExamples[1].examples[2].name']);
  });
});

describe('Character Card V2', () => {
  const result = importCharacterFile(fixture('ccv2'));

  it('maps description, personality, scenario, first_mes, system_prompt, tags and creator fields', () => {
    expect(result.format).toBe('ccv2');
    expect(result.character).toMatchObject({
      name: 'Seraphina',
      bio: ['Seraphina is a guardian of the Eldoria forest.', 'She heals travellers who lose their way.'],
      adjectives: ['caring', 'protective', 'gentle'],
      scenario: "{{user}} wakes up in Seraphina's glade.",
      greeting: '*You wake up.* Are you alright?',
      system: 'You are Seraphina. {{original}}',
      tags: ['fantasy', 'female'],
      metadata: { creator: 'tavern-user', character_version: '1.2', creator_notes: 'Best with a long context.' },
    });
  });

  it('parses <START> blocks of mes_example, continuation lines included', () => {
    expect(result.character.messageExamples).toEqual([
      [
        { role: 'user', text: 'Where am I?' },
        { role: 'agent', text: 'You are safe, in my glade.\nRest now.' },
      ],
      [
        { role: 'user', text: 'Who are you?' },
        { role: 'agent', text: 'I am Seraphina.' },
      ],
    ]);
  });

  it('maps enabled character_book entries to knowledge and reports the rest', () => {
    expect(result.character.knowledge).toEqual(['Eldoria is an ancient forest.']);
    expect(result.mapped).toContain('data.character_book.entries');
    expect(result.dropped).toEqual([
      'data.post_history_instructions',
      'data.alternate_greetings',
      'data.character_book.name',
      'data.character_book.scan_depth',
      'data.character_book.entries[*].keys',
      'data.character_book.entries[1]',
      'data.extensions.talkativeness',
      'data.extensions.depth_prompt',
    ]);
  });
});

describe('SillyTavern exports', () => {
  const result = importCharacterFile(fixture('sillytavern-v3-labelled'));

  it('reads data (not the disagreeing top-level copies), CRLF text and V2 content labelled V3', () => {
    expect(result.format).toBe('ccv3');
    expect(result.character.name).toBe('Kai');
    expect(result.character.bio).toEqual(['Kai is a friendly robot.', 'Kai loves puzzles.']);
    expect(JSON.stringify(result.character)).not.toContain('\r');
  });

  it('takes example dialogue from the description when mes_example is empty', () => {
    expect(result.character.messageExamples).toEqual([
      [
        { role: 'user', text: 'Hi Kai' },
        { role: 'agent', text: 'Beep! Hello.' },
      ],
      [
        { role: 'user', text: 'Puzzle?' },
        { role: 'agent', text: 'Always!' },
      ],
    ]);
  });

  it('reports only the top-level copies that disagree with data or have no twin there', () => {
    expect(result.dropped).toEqual(['name', 'description', 'avatar', 'chat', 'talkativeness', 'create_date']);
  });
});

describe('Character Card V3', () => {
  it('maps nickname to username, prose personality to the bio, and reports V3-only fields', () => {
    const result = importCharacterFile(fixture('ccv3'));
    expect(result.format).toBe('ccv3');
    expect(result.character.username).toBe('Mir');
    expect(result.character.adjectives).toEqual([]);
    expect(result.character.bio).toEqual(['A starship navigator.', 'Mira is calm under pressure and rarely raises her voice.']);
    expect(result.dropped).toEqual(['data.group_only_greetings', 'data.assets', 'data.source', 'data.creation_date']);
  });
});

describe('empty sections and unknown fields', () => {
  it('imports a character with every section empty, reporting only unknown fields that carry something', () => {
    const result = importCharacterFile(fixture('eliza-empty'));
    expect(result.character).toEqual({
      name: 'Blank', username: null, bio: [], lore: [], topics: [], adjectives: [],
      style: { all: [], chat: [] }, messageExamples: [], system: null, knowledge: [],
      greeting: null, scenario: null, tags: [], metadata: {},
    });
    expect(result.mapped).toEqual(['name']);
    expect(result.dropped).toEqual(['favouriteColour', 'nested']);
  });
});

describe('bounds', () => {
  const long = (n: number, c = 'x') => c.repeat(n);

  it('keeps a file exactly at the bounds whole', () => {
    const file = {
      name: long(B.nameChars),
      bio: Array.from({ length: B.listItems }, (_, i) => `${i}${long(B.itemChars - String(i).length)}`),
      system: long(B.longTextChars),
      messageExamples: Array.from({ length: B.conversations }, () =>
        Array.from({ length: B.turnsPerConversation }, (_, j) => ({
          name: j % 2 ? '{{user1}}' : 'x'.repeat(B.nameChars),
          content: { text: long(B.turnChars) },
        })),
      ),
    };
    const result = importCharacterFile(file);
    expect(result.dropped).toEqual([]);
    expect(result.character.bio).toEqual(file.bio);
    expect(result.character.system).toHaveLength(B.longTextChars);
    expect(result.character.messageExamples).toHaveLength(B.conversations);
    expect(result.character.messageExamples.every((c) => c.length === B.turnsPerConversation)).toBe(true);
  });

  it('cuts what is past the bounds and names every cut source field', () => {
    const file = {
      name: long(B.nameChars + 1),
      lore: Array.from({ length: B.listItems + 10 }, (_, i) => `fact ${i}`),
      system: long(B.longTextChars + 1),
      messageExamples: Array.from({ length: B.conversations + 2 }, () =>
        Array.from({ length: B.turnsPerConversation + 1 }, () => ({ user: '{{user1}}', content: { text: long(B.turnChars + 1) } })),
      ),
    };
    const result = importCharacterFile(file);
    const c = result.character;
    expect(c.name).toHaveLength(B.nameChars);
    expect(c.lore).toHaveLength(B.listItems);
    expect(c.system).toHaveLength(B.longTextChars);
    expect(c.messageExamples).toHaveLength(B.conversations);
    expect(c.messageExamples[0]).toHaveLength(B.turnsPerConversation);
    expect(c.messageExamples[0]?.[0]?.text).toHaveLength(B.turnChars);
    expect(result.dropped).toEqual(
      expect.arrayContaining(['name', 'lore[50..59]', 'system', 'messageExamples[20..21]', 'messageExamples[0][20]', 'messageExamples[0][0..19].content.text']),
    );
  });

  it('splits a list item longer than the bound at a sentence instead of cutting it', () => {
    const sentence = 'The forest is very old and full of stories. ';
    const content = sentence.repeat(60).trim(); // ~2,600 characters
    const result = importCharacterFile({
      spec: 'chara_card_v2',
      data: { name: 'Lore', character_book: { entries: [{ keys: [], content }] } },
    });
    const pieces = result.character.knowledge;
    expect(pieces.length).toBe(3);
    expect(pieces.every((p) => p.length <= B.itemChars && p.endsWith('stories.'))).toBe(true);
    expect(pieces.join(' ')).toBe(content);
    expect(result.dropped).toEqual([]);
  });

  it('drops metadata pairs past 16 or with a key too long, and cuts long values', () => {
    const metadata = Object.fromEntries(Array.from({ length: 18 }, (_, i) => [`k${i}`, 'v']));
    metadata[long(B.metadataKeyChars + 1, 'k')] = 'v';
    metadata.k0 = long(B.metadataValueChars + 1);
    const result = importCharacterFile({ spec: 'orionos_character', data: { name: 'M', metadata } });
    expect(Object.keys(result.character.metadata)).toHaveLength(B.metadataPairs);
    expect(result.character.metadata.k0).toHaveLength(B.metadataValueChars);
    expect(result.dropped).toEqual(['data.metadata.k0', 'data.metadata.k16', 'data.metadata.k17', `data.metadata.${long(B.metadataKeyChars + 1, 'k')}`]);
  });
});

describe('invalid files', () => {
  it.each([
    ['null', null, '(file)'],
    ['a list', [{ name: 'x' }], '(file)'],
    ['a string', 'name: x', '(file)'],
  ])('refuses %s as a file', (_, file, field) => {
    expect(invalidFields(file)).toEqual([{ field, message: 'must be a JSON object' }]);
  });

  it('names a missing name in each format', () => {
    expect(invalidFields({ bio: ['x'] })).toEqual([{ field: 'name', message: 'is required' }]);
    expect(invalidFields({ name: '   ' })).toEqual([{ field: 'name', message: 'is required' }]);
    expect(invalidFields({ spec: 'chara_card_v2', data: { description: 'x' } })).toEqual([{ field: 'data.name', message: 'is required' }]);
    expect(invalidFields({ spec: 'orionos_character', data: {} })).toEqual([{ field: 'data.name', message: 'is required' }]);
    expect(invalidFields({ spec: 'chara_card_v2', name: 'top only' })).toEqual([
      { field: 'data', message: 'is required' },
      { field: 'data.name', message: 'is required' },
    ]);
  });

  it('refuses an unknown spec', () => {
    const [error] = invalidFields({ spec: 'chara_card_v4', data: { name: 'x' } });
    expect(error?.field).toBe('spec');
    expect(error?.message).toContain('unknown spec "chara_card_v4"');
  });

  it('names every field of the wrong type, with its path', () => {
    expect(
      invalidFields({
        name: 'x',
        bio: 5,
        lore: ['ok', 7],
        style: { all: 'loud' },
        knowledge: [3],
        messageExamples: [[{ user: 'a', content: { text: 'hi' } }], 'oops', [{ user: 'b' }]],
      }),
    ).toEqual([
      { field: 'bio', message: 'must be a string or a list of strings' },
      { field: 'lore[1]', message: 'must be a string' },
      { field: 'style.all', message: 'must be a list of strings' },
      { field: 'knowledge[0]', message: 'must be a string or an object' },
      { field: 'messageExamples[1]', message: 'must be a list of messages (or {examples: [messages]})' },
      { field: 'messageExamples[2][0].content', message: 'is required' },
    ]);
    expect(
      invalidFields({ spec: 'chara_card_v3', data: { name: 'x', tags: 'a,b', character_book: { entries: [{ content: 1 }] } } }),
    ).toEqual([
      { field: 'data.tags', message: 'must be a list of strings' },
      { field: 'data.character_book.entries[0].content', message: 'must be a string' },
    ]);
    expect(
      invalidFields({ spec: 'orionos_character', data: { name: 'x', messageExamples: [[{ role: 'bot', text: 'hi' }]], metadata: { a: 1 } } }),
    ).toEqual([
      { field: 'data.messageExamples[0][0].role', message: 'must be "user" or "agent"' },
      { field: 'data.metadata.a', message: 'must be a string' },
    ]);
  });

  it('refuses the NUL character, which the database cannot store', () => {
    expect(invalidFields({ name: 'x', topics: ['a\u0000b'] })).toEqual([
      { field: 'topics[0]', message: 'must not contain the NUL character (\\u0000)' },
    ]);
  });
});

describe('export files', () => {
  const { character } = importCharacterFile(fixture('ccv2'));

  it('writes mes_example as <START> blocks of {{user}}/{{char}} lines', () => {
    const card = exportCharacter(character, 'ccv2') as { spec: string; data: Record<string, unknown> };
    expect(card.spec).toBe('chara_card_v2');
    expect(card.data.mes_example).toBe(
      '<START>\n{{user}}: Where am I?\n{{char}}: You are safe, in my glade.\nRest now.\n<START>\n{{user}}: Who are you?\n{{char}}: I am Seraphina.',
    );
    expect(card.data.character_book).toMatchObject({ entries: [{ content: 'Eldoria is an ancient forest.', enabled: true }] });
  });

  it('writes an ElizaOS 1.x file with name-spoken examples', () => {
    const file = exportCharacter(character, 'eliza') as Record<string, unknown>;
    expect(file.messageExamples).toEqual([
      [
        { name: '{{user1}}', content: { text: 'Where am I?' } },
        { name: 'Seraphina', content: { text: 'You are safe, in my glade.\nRest now.' } },
      ],
      [
        { name: '{{user1}}', content: { text: 'Who are you?' } },
        { name: 'Seraphina', content: { text: 'I am Seraphina.' } },
      ],
    ]);
    expect(importCharacterFile(file).format).toBe('eliza-1x');
  });

  it('writes the id and revision in the orion format, which an import reports and does not keep', () => {
    const file = exportCharacter({ ...character, id: 'chr_1', revision: 3 }, 'orion');
    expect(file).toMatchObject({ spec: 'orionos_character', id: 'chr_1', revision: 3 });
    const back = importCharacterFile(file);
    expect(back.character).toEqual(character);
    expect(back.dropped).toEqual(['id', 'revision']);
  });

  it('reads a card edited elsewhere from its text, not from the stale extension', () => {
    const card = exportCharacter(character, 'ccv2') as { data: Record<string, unknown> };
    card.data.description = 'Rewritten in another tool.';
    card.data.mes_example = '<START>\n{{user}}: New?\n{{char}}: New.';
    const back = importCharacterFile(card).character;
    expect(back.bio).toEqual(['Rewritten in another tool.']);
    expect(back.messageExamples).toEqual([[{ role: 'user', text: 'New?' }, { role: 'agent', text: 'New.' }]]);
  });
});
