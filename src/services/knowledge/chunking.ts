import { estimateTokens } from '../prompt.js';

/** A passage of a document: [startOffset, endOffset) of its content, under `heading` (Markdown). */
export type ChunkSpan = {
  position: number;
  text: string;
  startOffset: number;
  endOffset: number;
  heading: string | null;
  tokenCount: number;
};

export type KnowledgeFormat = 'text' | 'markdown';

/** A chunk holds whole paragraphs up to this many characters (about 300 tokens); longer ones are split. */
export const MAX_CHUNK_CHARS = 1_200;

/** A heading is kept to this many characters in a chunk's heading path, and the path to HEADING_PATH_CHARS. */
export const HEADING_CHARS = 200;
export const HEADING_PATH_CHARS = 500;

const cut = (text: string, max: number) => (text.length > max ? `${[...text].slice(0, max - 1).join('')}…` : text);

type Range = { start: number; end: number };
type Section = { heading: string | null; blocks: Range[] };

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

/**
 * The content's paragraphs (runs of non-blank lines), grouped in sections: Markdown headings
 * start a new section (the heading line is the section's first block), and a fenced code block
 * stays whole even across blank lines. Plain text is one section.
 */
function sections(content: string, format: KnowledgeFormat): Section[] {
  const result: Section[] = [{ heading: null, blocks: [] }];
  const path: string[] = [];
  let block: Range | undefined;
  let inFence = false;
  let offset = 0;
  const close = () => {
    if (block) result.at(-1)!.blocks.push(block);
    block = undefined;
  };
  for (const line of content.split('\n')) {
    const start = offset;
    const end = offset + line.length;
    offset = end + 1;
    const heading = format === 'markdown' && !inFence ? HEADING.exec(line) : null;
    if (heading) {
      close();
      const level = heading[1]!.length;
      path.length = Math.min(path.length, level - 1);
      path[level - 1] = cut(heading[2]!, HEADING_CHARS);
      result.push({ heading: cut(path.filter(Boolean).join(' > '), HEADING_PATH_CHARS), blocks: [{ start, end }] });
      continue;
    }
    if (format === 'markdown' && FENCE.test(line)) inFence = !inFence;
    if (line.trim() === '' && !inFence) {
      close();
      continue;
    }
    if (block) block.end = end;
    else block = { start, end };
  }
  close();
  return result.filter((s) => s.blocks.length > 0);
}

/** Splits a range longer than `max` at sentence ends, else at whitespace, else anywhere. */
function splitLong(content: string, range: Range, max: number): Range[] {
  const pieces: Range[] = [];
  let start = range.start;
  while (range.end - start > max) {
    const window = content.slice(start, start + max);
    const sentence = Math.max(...[...window.matchAll(/[.!?…]["')\]]*\s+/g)].map((m) => m.index! + m[0].length), 0);
    const space = window.search(/\s\S*$/);
    const cut = sentence > max / 3 ? sentence : space > max / 3 ? space + 1 : max;
    let end = start + cut;
    while (end > start && /\s/.test(content[end - 1]!)) end--;
    pieces.push({ start, end });
    start += cut;
    while (start < range.end && /\s/.test(content[start]!)) start++;
  }
  if (start < range.end) pieces.push({ start, end: range.end });
  return pieces;
}

/**
 * A document's chunks, in order: each section's paragraphs packed into chunks of at most
 * MAX_CHUNK_CHARS (a paragraph longer than that is split at sentence ends). A chunk never spans
 * two sections. Every chunk's text is exactly content.slice(startOffset, endOffset).
 */
export function chunkDocument(content: string, format: KnowledgeFormat, max = MAX_CHUNK_CHARS): ChunkSpan[] {
  const chunks: ChunkSpan[] = [];
  const emit = (range: Range, heading: string | null) => {
    const text = content.slice(range.start, range.end);
    if (text.trim() === '') return;
    chunks.push({
      position: chunks.length,
      text,
      startOffset: range.start,
      endOffset: range.end,
      heading,
      tokenCount: estimateTokens(text),
    });
  };
  for (const section of sections(content, format)) {
    let current: Range | undefined;
    for (const block of section.blocks.flatMap((b) => (b.end - b.start > max ? splitLong(content, b, max) : [b]))) {
      if (current && block.end - current.start <= max) {
        current.end = block.end;
        continue;
      }
      if (current) emit(current, section.heading);
      current = { ...block };
    }
    if (current) emit(current, section.heading);
  }
  return chunks;
}
