import { invalidRequest, type FieldError } from '../../errors.js';
import { NUL_MESSAGE, hasNul } from '../input-bounds.js';

/** A piece of text and the source field it came from, so what is cut can be named. */
export type Sourced = { text: string; source: string };

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a source value carries anything (so that leaving it out loses something). */
export function hasContent(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** Other formats' line endings (CRLF from Windows tools, a lone CR) become LF. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * Reads one source file: typed reads that record field errors instead of throwing (so one 400
 * names every problem), and the lists of mapped and dropped source fields.
 *
 * `lenient` reads (other tools' files) trim texts and skip blank list items; strict reads (our
 * own format) keep every value exactly, so that format round-trips without loss.
 */
export class SourceReader {
  private readonly errors: FieldError[] = [];
  private readonly mappedPaths = new Set<string>();
  private readonly droppedPaths = new Set<string>();

  constructor(readonly lenient: boolean) {}

  fail(field: string, message: string): undefined {
    this.errors.push({ field, message });
    return undefined;
  }

  map(path: string): void {
    this.mappedPaths.add(path);
  }

  drop(path: string): void {
    this.droppedPaths.add(path);
  }

  /** Drops `value` (reported) when it carries anything. */
  dropIfContent(path: string, value: unknown): void {
    if (hasContent(value)) this.drop(path);
  }

  /** A string field; null and absent read as undefined, and so does a blank one when lenient. */
  text(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') return this.fail(path, 'must be a string');
    if (hasNul(value)) return this.fail(path, NUL_MESSAGE);
    if (!this.lenient) return value;
    const text = normalizeNewlines(value).trim();
    return text === '' ? undefined : text;
  }

  /** A list of strings; null and absent read as an empty list. */
  textList(value: unknown, path: string): Sourced[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(path, 'must be a list of strings');
      return [];
    }
    const items: Sourced[] = [];
    value.forEach((item, i) => {
      const source = `${path}[${i}]`;
      if (typeof item !== 'string') {
        this.fail(source, 'must be a string');
        return;
      }
      const text = this.text(item, source);
      if (text !== undefined) items.push({ text, source });
    });
    return items;
  }

  /** An object field; null and absent read as undefined. */
  object(value: unknown, path: string): JsonObject | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) return this.fail(path, 'must be an object');
    return value;
  }

  /** Throws the 400 naming every invalid field read so far. */
  throwIfInvalid(): void {
    if (this.errors.length > 0) throw invalidRequest(this.errors);
  }

  get mapped(): string[] {
    return [...this.mappedPaths];
  }

  get dropped(): string[] {
    return compressIndexRuns([...this.droppedPaths]);
  }
}

/** `a[3]`, `a[4]`, `a[5]` become `a[3..5]`, so cutting a long list is reported in one entry. */
export function compressIndexRuns(paths: string[]): string[] {
  const out: string[] = [];
  let run: { prefix: string; suffix: string; first: number; last: number } | undefined;
  const flush = () => {
    if (!run) return;
    out.push(
      run.first === run.last
        ? `${run.prefix}[${run.first}]${run.suffix}`
        : `${run.prefix}[${run.first}..${run.last}]${run.suffix}`,
    );
    run = undefined;
  };
  for (const path of paths) {
    const match = /^(.*)\[(\d+)\]([^[\]]*)$/.exec(path);
    if (!match) {
      flush();
      out.push(path);
      continue;
    }
    const [, prefix = '', digits = '', suffix = ''] = match;
    const index = Number(digits);
    if (run && run.prefix === prefix && run.suffix === suffix && run.last + 1 === index) {
      run.last = index;
      continue;
    }
    flush();
    run = { prefix, suffix, first: index, last: index };
  }
  flush();
  return out;
}
