import { CHARACTER_LIMITS as L, type CharacterFields } from '../character-input.js';

export type Role = CharacterFields['messageExamples'][number][number]['role'];

export type ExampleTurn = CharacterFields['messageExamples'][number][number];

/** OrionOS's own character shape (the resource's writable fields), as the import produces it and the export reads it. */
export type { CharacterFields };

export type ImportFormat = 'eliza-legacy' | 'eliza-1x' | 'ccv2' | 'ccv3' | 'orion';
export type ExportFormat = 'eliza' | 'ccv2' | 'orion';

export type ImportResult = {
  character: CharacterFields;
  format: ImportFormat;
  /** Source fields (dotted paths) whose content is in `character`. */
  mapped: string[];
  /** Source fields (dotted paths) whose content is not in `character`, in whole or in part. */
  dropped: string[];
};

/** Bounds of the Character resource; an import fits its result into them and says what it cut. */
export const CHARACTER_BOUNDS = {
  nameChars: L.name,
  usernameChars: L.username,
  listItems: L.listItems,
  itemChars: L.listItem,
  /** system, greeting and scenario. */
  longTextChars: L.system,
  conversations: L.conversations,
  turnsPerConversation: L.turns,
  turnChars: L.turnText,
  metadataPairs: L.metadataPairs,
  metadataKeyChars: L.metadataKey,
  metadataValueChars: L.metadataValue,
} as const;

/** The list fields of a character, in the order they are documented. */
export const LIST_FIELDS = ['bio', 'lore', 'topics', 'adjectives', 'knowledge', 'tags'] as const;
export type ListField = (typeof LIST_FIELDS)[number];

/** A character with every optional field present (absent ones as null). */
export function emptyCharacter(name: string): CharacterFields {
  return {
    name,
    username: null,
    bio: [],
    lore: [],
    topics: [],
    adjectives: [],
    style: { all: [], chat: [] },
    messageExamples: [],
    system: null,
    knowledge: [],
    greeting: null,
    scenario: null,
    tags: [],
    metadata: {},
  };
}
