import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHARACTER_BOUNDS as B,
  exportCharacter,
  importCharacterFile,
  type CharacterFields,
} from '../../src/services/character-formats/index.js';

/** Any text the resource accepts (no NUL), for the lossless orion format. */
const anyText = (max: number) => fc.string({ maxLength: max, unit: 'grapheme' }).filter((s) => !s.includes('\u0000'));
/** Text other tools' files carry as it is: trimmed, not blank, LF line ends only. */
const plainText = (max: number) =>
  fc
    .string({ minLength: 1, maxLength: max, unit: 'grapheme' })
    .map((s) => s.replace(/[\u0000\r]/g, '').trim())
    .filter((s) => s !== '');
/** Text with no line break, comma or blank-line structure: survives a card's plain text fields. */
const lineText = (max: number) => plainText(max).map((s) => s.replace(/[\n,]/g, ' ').replace(/\s+/g, ' ').trim()).filter((s) => s !== '');

function characters(text: (max: number) => fc.Arbitrary<string>, name = text): fc.Arbitrary<CharacterFields> {
  const list = fc.array(text(60), { maxLength: 5 });
  const optional = fc.option(text(200), { nil: null });
  return fc.record({
    name: name(B.nameChars).filter((s) => s.trim() !== ''),
    username: fc.option(text(B.usernameChars), { nil: null }),
    bio: list,
    lore: list,
    topics: list,
    adjectives: list,
    style: fc.record({ all: list, chat: list }),
    messageExamples: fc.array(
      fc.array(fc.record({ role: fc.constantFrom('user' as const, 'agent' as const), text: text(80) }), { minLength: 1, maxLength: 4 }),
      { maxLength: 3 },
    ),
    system: optional,
    knowledge: list,
    greeting: optional,
    scenario: optional,
    tags: list,
    metadata: fc
      // Keys are 1–64 characters; an import drops (and reports) an empty one.
      .array(fc.tuple(text(B.metadataKeyChars).filter((k) => k !== ''), text(60)), { maxLength: B.metadataPairs })
      .map((pairs) => Object.fromEntries(pairs)),
  });
}

const roundTrip = (character: CharacterFields, format: 'eliza' | 'ccv2' | 'orion') =>
  importCharacterFile(JSON.parse(JSON.stringify(exportCharacter(character, format))));

describe('export → import round trip', () => {
  it('orion is lossless for every field, whatever the text', () => {
    fc.assert(
      fc.property(characters(anyText), (character) => {
        const back = roundTrip(character, 'orion');
        expect(back.format).toBe('orion');
        expect(back.character).toEqual(character);
        expect(back.dropped).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('eliza carries every field (the ones ElizaOS lacks in settings.orionos)', () => {
    fc.assert(
      fc.property(characters(plainText, lineText), (character) => {
        const back = roundTrip(character, 'eliza');
        expect(back.format).toBe('eliza-1x');
        expect(back.character).toEqual(character);
        expect(back.dropped).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('ccv2 carries every field (the ones a card lacks in data.extensions.orionos)', () => {
    fc.assert(
      fc.property(characters(plainText), (character) => {
        const back = roundTrip(character, 'ccv2');
        expect(back.format).toBe('ccv2');
        expect(back.character).toEqual(character);
        expect(back.dropped).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("ccv2 without our extension (a tool that strips it) still carries the card's own fields", () => {
    const cardFields = fc.record({
      name: lineText(B.nameChars),
      bio: fc.array(lineText(60), { maxLength: 5 }),
      // An adjective as the resource stores it: trimmed and not blank (the API trims list items).
      adjectives: fc.array(
        lineText(30)
          .map((s) => s.replace(/[.!?;:]/g, ' ').split(/\s+/).filter((w) => w !== '').slice(0, 3).join(' '))
          .filter((s) => s !== ''),
        { maxLength: 5 },
      ),
      messageExamples: fc.array(
        fc.array(fc.record({ role: fc.constantFrom('user' as const, 'agent' as const), text: lineText(80) }), { minLength: 1, maxLength: 4 }),
        { maxLength: 3 },
      ),
      system: fc.option(plainText(200), { nil: null }),
      greeting: fc.option(plainText(200), { nil: null }),
      scenario: fc.option(plainText(200), { nil: null }),
      knowledge: fc.array(plainText(200), { maxLength: 5 }),
      tags: fc.array(plainText(40), { maxLength: 5 }),
    });
    fc.assert(
      fc.property(cardFields, (fields) => {
        const character: CharacterFields = {
          username: null, lore: [], topics: [], style: { all: [], chat: [] }, metadata: {}, ...fields,
        };
        const card = JSON.parse(JSON.stringify(exportCharacter(character, 'ccv2')));
        delete card.data.extensions;
        expect(importCharacterFile(card).character).toEqual(character);
      }),
      { numRuns: 200 },
    );
  });
});
