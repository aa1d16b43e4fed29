import type { SourcedConversation, SourcedPair, SourcedTurn } from './bounds.js';
import { isObject, type JsonObject, type SourceReader } from './source.js';

/** Readers for fields in OrionOS's own shape (our format, and our block inside other formats). */

export function readStyle(reader: SourceReader, value: unknown, path: string) {
  const style = reader.object(value, path);
  if (style) {
    for (const key of Object.keys(style)) {
      if (key !== 'all' && key !== 'chat') reader.dropIfContent(`${path}.${key}`, style[key]);
    }
  }
  return {
    all: reader.textList(style?.all, `${path}.all`),
    chat: reader.textList(style?.chat, `${path}.chat`),
  };
}

export function readRoleExamples(
  reader: SourceReader,
  value: unknown,
  path: string,
): SourcedConversation[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    reader.fail(path, 'must be a list of conversations');
    return [];
  }
  return value.map((conversation, i) => {
    const source = `${path}[${i}]`;
    if (!Array.isArray(conversation)) {
      reader.fail(source, 'must be a list of messages');
      return { turns: [], source };
    }
    const turns = conversation.flatMap((turn, j): SourcedTurn[] => {
      const turnSource = `${source}[${j}]`;
      if (!isObject(turn)) return reader.fail(turnSource, 'must be an object with role and text') ?? [];
      if (turn.role !== 'user' && turn.role !== 'agent') {
        return reader.fail(`${turnSource}.role`, 'must be "user" or "agent"') ?? [];
      }
      if (typeof turn.text !== 'string') return reader.fail(`${turnSource}.text`, 'must be a string') ?? [];
      const text = reader.text(turn.text, `${turnSource}.text`);
      if (text === undefined) return [];
      for (const key of Object.keys(turn)) {
        if (key !== 'role' && key !== 'text') reader.dropIfContent(`${turnSource}.${key}`, turn[key]);
      }
      return [{ role: turn.role, text, source: turnSource, textSource: `${turnSource}.text` }];
    });
    return { turns, source };
  });
}

export function readMetadata(reader: SourceReader, value: unknown, path: string): SourcedPair[] {
  const metadata = reader.object(value, path);
  if (!metadata) return [];
  return Object.entries(metadata).flatMap(([key, raw]) => {
    const source = `${path}.${key}`;
    if (typeof raw !== 'string') return reader.fail(source, 'must be a string') ?? [];
    const text = reader.text(raw, source);
    return text === undefined ? [] : [{ key, value: text, source }];
  });
}

/** Reports every key of `object` that is not in `known` and carries something, as dropped. */
export function dropUnknownKeys(
  reader: SourceReader,
  object: JsonObject,
  known: ReadonlySet<string>,
  prefix = '',
): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) reader.dropIfContent(`${prefix}${key}`, object[key]);
  }
}

/** Marks `path` mapped when the value read from it carries anything. */
export function mapIf(reader: SourceReader, path: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value) && value.length === 0) return;
  if (isObject(value) && Object.keys(value).length === 0) return;
  reader.map(path);
}
