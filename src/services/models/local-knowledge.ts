import type { RetrievedChunk } from '../knowledge/retrieval.js';

/**
 * How the local engine answers from the agent's knowledge, offline and deterministically: a
 * question that a retrieved chunk answers (it scores at least QUOTE_MIN_SCORE and shares a
 * content word with the question) is answered by quoting that chunk, with its document's title
 * and heading. Anything else is left to the conversational engine.
 */

/** The score a chunk needs before the engine quotes it as an answer. */
export const QUOTE_MIN_SCORE = 0.1;
/** A quote stops at the last sentence end within this many characters. */
const QUOTE_CHARS = 400;

const STOP_WORDS = new Set(
  (
    'the and for with from that this what when where which who whom whose why how your yours about into ' +
    'does did do can could would should will shall may might must is are was were been being have has had ' +
    'there their them then than such some any each other tell give know please thanks thank you me my mine ' +
    'our ours its it not but also just very much many more most long often'
  ).split(' '),
);

/** A crude English stem, enough to match "cleaning" with "clean" and "descale" with "descaling". */
function stem(word: string): string {
  for (const suffix of ['ing', 'ed', 'es', 's', 'e']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, -suffix.length);
  }
  return word;
}

/** The words that carry a text's meaning: lower case, at least three letters, common words left out, stemmed. */
export function contentWords(text: string): Set<string> {
  const words = text.toLowerCase().match(/\p{L}[\p{L}\p{N}'-]*/gu) ?? [];
  return new Set(words.filter((w) => w.length >= 3 && !STOP_WORDS.has(w)).map(stem));
}

const QUESTION = /\?\s*$|^\s*(?:what|when|where|who|whom|which|why|how|is|are|was|were|do|does|did|can|could|should|will|would|may|tell me|explain|describe|define)\b/i;

/** Whether the text asks something (a question mark, or it opens like a question or a request to explain). */
export const asksSomething = (text: string) => QUESTION.test(text.trim());

const shared = (question: Set<string>, chunk: RetrievedChunk) => {
  const words = contentWords(`${chunk.heading ?? ''} ${chunk.text}`);
  let n = 0;
  for (const w of question) if (words.has(w)) n++;
  return n;
};

/** The chunk's text without its Markdown heading lines, cut at a sentence end to QUOTE_CHARS. */
export function quotedPassage(text: string): string {
  const body = text
    .split('\n')
    .filter((line) => !/^\s{0,3}#{1,6}\s/.test(line))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (body.length <= QUOTE_CHARS) return body;
  const head = body.slice(0, QUOTE_CHARS);
  const end = Math.max(head.lastIndexOf('. '), head.lastIndexOf('! '), head.lastIndexOf('? '));
  if (end > 0) return head.slice(0, end + 1);
  return `${head.slice(0, Math.max(head.lastIndexOf(' '), 1)).trimEnd()}…`;
}

/** `According to "Title" (Heading): passage` */
export function quoteChunk(chunk: Pick<RetrievedChunk, 'documentTitle' | 'heading' | 'text'>): string {
  const heading = chunk.heading ? ` (${chunk.heading})` : '';
  return `According to "${chunk.documentTitle}"${heading}: ${quotedPassage(chunk.text)}`;
}

/**
 * The chunk that answers the question, if one does: of those scoring at least QUOTE_MIN_SCORE,
 * the one sharing the most content words with it (the better ranked on a tie), at least one.
 */
export function answeringChunk(question: string, chunks: RetrievedChunk[]): RetrievedChunk | undefined {
  const asked = contentWords(question);
  let best: { chunk: RetrievedChunk; words: number } | undefined;
  for (const chunk of chunks) {
    if (chunk.score < QUOTE_MIN_SCORE) continue;
    const words = shared(asked, chunk);
    if (words > 0 && (!best || words > best.words)) best = { chunk, words };
  }
  return best?.chunk;
}

/** The reply quoting the chunk that answers `text`, when it asks something a chunk answers. */
export function knowledgeReply(text: string, chunks: RetrievedChunk[] | undefined): string | undefined {
  if (!chunks?.length || !asksSomething(text)) return undefined;
  const chunk = answeringChunk(text, chunks);
  return chunk && quoteChunk(chunk);
}
