import { CHARACTER_BOUNDS, type ExampleTurn, type Role } from './types.js';
import type { SourceReader, Sourced } from './source.js';

/** Where `text` may be cut at or before `max` without splitting a surrogate pair. */
function safeCut(text: string, max: number): number {
  const code = text.charCodeAt(max);
  return code >= 0xdc00 && code <= 0xdfff ? max - 1 : max;
}

/** Cuts `text` to `max` characters (never inside a surrogate pair). */
export function cutText(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, safeCut(text, max));
}

/**
 * Splits a long text into pieces of at most `max` characters, at a paragraph, line, sentence or
 * word break when one falls in the second half of a piece: no text is lost, only where it breaks.
 */
export function splitLongText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, safeCut(rest, max));
    const breaks = [
      window.lastIndexOf('\n\n'),
      window.lastIndexOf('\n'),
      Math.max(window.lastIndexOf('. '), window.lastIndexOf('! '), window.lastIndexOf('? ')) + 1,
      window.lastIndexOf(' '),
    ];
    const at = breaks.find((index) => index > max / 2) ?? window.length;
    const piece = rest.slice(0, at).trim();
    if (piece !== '') pieces.push(piece);
    rest = rest.slice(at).trimStart();
  }
  if (rest.trim() !== '') pieces.push(rest);
  return pieces;
}

/**
 * A list fitted to the bounds: an item longer than the bound is split (nothing lost), items past
 * the bound are cut and their source fields reported as dropped.
 */
export function fitList(reader: SourceReader, items: Sourced[]): string[] {
  const pieces = items.flatMap((item) =>
    item.text.length <= CHARACTER_BOUNDS.itemChars
      ? [item]
      : splitLongText(item.text, CHARACTER_BOUNDS.itemChars).map((text) => ({ text, source: item.source })),
  );
  for (const cut of pieces.slice(CHARACTER_BOUNDS.listItems)) reader.drop(cut.source);
  return pieces.slice(0, CHARACTER_BOUNDS.listItems).map((piece) => piece.text);
}

/** A text fitted to `max` characters; a cut one has its source reported as dropped. */
export function fitText(
  reader: SourceReader,
  text: string | undefined,
  max: number,
  source: string,
): string | null {
  if (text === undefined) return null;
  if (text.length <= max) return text;
  reader.drop(source);
  return cutText(text, max);
}

export type SourcedTurn = { role: Role; text: string; source: string; textSource: string };
export type SourcedConversation = { turns: SourcedTurn[]; source: string };

/** Example conversations fitted to the bounds (conversations, turns, characters per turn). */
export function fitConversations(
  reader: SourceReader,
  conversations: SourcedConversation[],
): ExampleTurn[][] {
  const B = CHARACTER_BOUNDS;
  const kept = conversations.filter((c) => c.turns.length > 0);
  for (const cut of kept.slice(B.conversations)) reader.drop(cut.source);
  return kept.slice(0, B.conversations).map((conversation) => {
    for (const cut of conversation.turns.slice(B.turnsPerConversation)) reader.drop(cut.source);
    return conversation.turns.slice(0, B.turnsPerConversation).map((turn) => ({
      role: turn.role,
      text: fitText(reader, turn.text, B.turnChars, turn.textSource) ?? '',
    }));
  });
}

export type SourcedPair = { key: string; value: string; source: string };

/**
 * Metadata fitted to the bounds: a pair whose key is too long or that comes after the last
 * allowed pair is dropped whole, a value too long is cut; either is reported.
 */
export function fitMetadata(reader: SourceReader, pairs: SourcedPair[]): Record<string, string> {
  const B = CHARACTER_BOUNDS;
  const entries: [string, string][] = [];
  const seen = new Set<string>();
  for (const pair of pairs) {
    if (seen.has(pair.key)) {
      // A later source for the same key replaces the earlier one.
      const index = entries.findIndex(([key]) => key === pair.key);
      entries[index] = [pair.key, fitText(reader, pair.value, B.metadataValueChars, pair.source) ?? ''];
      continue;
    }
    if (pair.key.length === 0 || pair.key.length > B.metadataKeyChars || entries.length >= B.metadataPairs) {
      reader.drop(pair.source);
      continue;
    }
    seen.add(pair.key);
    entries.push([pair.key, fitText(reader, pair.value, B.metadataValueChars, pair.source) ?? '']);
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays an ordinary key.
  return Object.fromEntries(entries);
}
