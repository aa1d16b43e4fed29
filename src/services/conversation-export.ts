import type { PrismaClient } from '../db/client.js';
import type { Conversation, Message } from '../db/generated/prisma/client.js';
import { ApiError } from '../errors.js';
import { firstIdAt } from '../ids.js';
import { getAgent } from './agents.js';
import { conversationResource, messageResource } from './conversation-resource.js';
import { getConversation } from './conversations.js';

/**
 * Conversation export, streamed with bounded memory: rows are read in keyset pages (`id > last
 * ORDER BY id LIMIT n`, IDs being time-ordered) and turned into text chunks of about
 * CHUNK_CHARS, so that at most one page and one chunk are held at a time, whatever the size of
 * the conversation. Nothing is read ahead of the consumer: each page is read when the chunks
 * before it have been taken.
 *
 * What an export holds: the rows whose IDs were made before it started (messages and
 * conversations written while it runs are left out, so the file matches `messageCount` as it
 * was). Each page is read at its own time, not in one snapshot: a turn still pending when the
 * export starts may appear completed, and a conversation deleted during the export ends early.
 */

export const EXPORT_FORMATS = ['jsonl', 'markdown'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
};
const EXTENSIONS: Record<ExportFormat, string> = { jsonl: 'jsonl', markdown: 'md' };

/** Rows a page reads. */
export const EXPORT_PAGE_SIZE = { messages: 200, conversations: 100 } as const;

/**
 * Exports of one account running at once on one instance: each holds a page of rows and a
 * client's socket for as long as the client takes to read, so they are bounded like connections.
 */
export const MAX_CONCURRENT_EXPORTS = 3;
const running = new Map<string, number>();

function tooManyExports(): ApiError {
  return new ApiError(
    'RATE_LIMIT_EXCEEDED',
    `At most ${MAX_CONCURRENT_EXPORTS} exports of an account run at once: try again when one has finished`,
    { reason: 'concurrent_exports', limit: MAX_CONCURRENT_EXPORTS, retryAfter: 1 },
    { 'Retry-After': '1' },
  );
}

/**
 * Takes one of the account's export places, or refuses (429) when none is free. The place is
 * given back when the returned chunks end, fail or are returned early (the client left).
 */
function holdingAPlace(accountId: string, chunks: AsyncGenerator<string>): AsyncGenerator<string> {
  const taken = running.get(accountId) ?? 0;
  if (taken >= MAX_CONCURRENT_EXPORTS) throw tooManyExports();
  running.set(accountId, taken + 1);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const left = (running.get(accountId) ?? 1) - 1;
    if (left > 0) running.set(accountId, left);
    else running.delete(accountId);
  };
  // Not a generator function: return() must give the place back even before the first next().
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      try {
        const step = await chunks.next();
        if (step.done) release();
        return step;
      } catch (error) {
        release();
        throw error;
      }
    },
    async return(value?: unknown) {
      release();
      return chunks.return(value as undefined);
    },
    async throw(error?: unknown) {
      release();
      return chunks.throw(error);
    },
  } as AsyncGenerator<string>;
}
/** About this many characters per chunk (a chunk ends at the end of a line). */
export const CHUNK_CHARS = 64 * 1024;

export type ExportChunk = { text: string; contentType: string; fileName: string };

export type Export = {
  contentType: string;
  fileName: string;
  /** The file's text in chunks; `return()` stops reading. */
  chunks: AsyncGenerator<string>;
};

/** The turns of a conversation made before `before`, oldest first, a page at a time. */
async function* messagesOf(prisma: PrismaClient, conversation: Conversation, before: string): AsyncGenerator<Message> {
  let after: string | undefined;
  for (;;) {
    const page = await prisma.message.findMany({
      where: { conversationId: conversation.id, accountId: conversation.accountId, id: { gt: after ?? '', lt: before } },
      orderBy: { id: 'asc' },
      take: EXPORT_PAGE_SIZE.messages,
    });
    yield* page;
    if (page.length < EXPORT_PAGE_SIZE.messages) return;
    after = page.at(-1)!.id;
  }
}

/** An agent's conversations made before `before`, oldest first, a page at a time. */
async function* conversationsOf(prisma: PrismaClient, accountId: string, agentId: string, before: string): AsyncGenerator<Conversation> {
  let after: string | undefined;
  for (;;) {
    const page = await prisma.conversation.findMany({
      where: { accountId, agentId, id: { gt: after ?? '', lt: before } },
      orderBy: { id: 'asc' },
      take: EXPORT_PAGE_SIZE.conversations,
    });
    yield* page;
    if (page.length < EXPORT_PAGE_SIZE.conversations) return;
    after = page.at(-1)!.id;
  }
}

/**
 * Lines joined into chunks of about CHUNK_CHARS; at least one chunk (empty for an empty file),
 * so that a consumer always gets a first chunk to learn the file's name and type from.
 */
async function* chunked(lines: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer: string[] = [];
  let size = 0;
  let chunks = 0;
  for await (const line of lines) {
    buffer.push(line);
    size += line.length;
    if (size >= CHUNK_CHARS) {
      yield buffer.join('');
      chunks++;
      buffer = [];
      size = 0;
    }
  }
  if (size > 0 || chunks === 0) yield buffer.join('');
}

const jsonLine = (value: object) => `${JSON.stringify(value)}\n`;

async function* conversationJsonl(prisma: PrismaClient, conversation: Conversation, before: string): AsyncGenerator<string> {
  yield jsonLine({ type: 'conversation', ...conversationResource(conversation) });
  for await (const message of messagesOf(prisma, conversation, before)) {
    yield jsonLine({ type: 'message', ...messageResource(message) });
  }
}

/** One line of text as Markdown inline text: no line breaks. */
const inline = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ').trim();

/** Text as a block quote: whatever it holds (a heading, a rule), it cannot pass for another turn. */
const quoted = (text: string) => `${text.split(/\r?\n/).map((line) => `> ${line}`.trimEnd()).join('\n')}\n\n`;

function markdownTurn(message: Message): string {
  const who = message.role === 'user' ? `User \`${message.userId}\`` : `Agent \`${message.agentId}\``;
  const parts = [`### ${who} · ${message.createdAt.toISOString()}\n\n`];
  if (message.text) parts.push(quoted(message.text));
  if (message.status === 'failed') {
    parts.push(`> **Failed** (\`${message.errorCode ?? 'UNKNOWN'}\`): ${inline(message.errorMessage ?? '')}\n\n`);
  } else if (message.status === 'pending') {
    parts.push('> *Pending*: no reply yet.\n\n');
  }
  const tools = Array.isArray(message.toolCalls) ? (message.toolCalls as Array<{ tool?: string }>) : [];
  if (tools.length) parts.push(`*Tools called: ${tools.map((call) => `\`${call.tool ?? '?'}\``).join(', ')}*\n\n`);
  return parts.join('');
}

async function* conversationMarkdown(prisma: PrismaClient, conversation: Conversation, before: string): AsyncGenerator<string> {
  yield [
    `# Conversation \`${conversation.id}\`\n\n`,
    `- Agent: \`${conversation.agentId}\`\n`,
    `- User: \`${conversation.userId}\`\n`,
    `- Started: ${conversation.createdAt.toISOString()}\n`,
    `- Messages: ${conversation.messageCount}\n\n`,
  ].join('');
  for await (const message of messagesOf(prisma, conversation, before)) yield markdownTurn(message);
}

/** The bounds of an export started now: IDs made from the next millisecond on are left out. */
const startBound = (prefix: 'msg' | 'cnv') => firstIdAt(prefix, new Date(Date.now() + 1));

/**
 * One conversation of the account as JSONL (a `conversation` line, then a `message` line per
 * turn, oldest first) or Markdown. Throws NOT_FOUND before anything is read when the
 * conversation is not the account's.
 */
export async function exportConversation(
  prisma: PrismaClient,
  accountId: string,
  conversationId: string,
  format: ExportFormat,
): Promise<Export> {
  const conversation = await getConversation(prisma, accountId, conversationId);
  const before = startBound('msg');
  const lines = format === 'markdown' ? conversationMarkdown(prisma, conversation, before) : conversationJsonl(prisma, conversation, before);
  return {
    contentType: EXPORT_CONTENT_TYPES[format],
    fileName: `${conversation.id}.${EXTENSIONS[format]}`,
    chunks: holdingAPlace(accountId, chunked(lines)),
  };
}

/**
 * Every conversation of an agent of the account, oldest first, as JSONL: each conversation's
 * line, then its messages' lines. Throws AGENT_NOT_FOUND before anything is read.
 */
export async function exportAgentConversations(prisma: PrismaClient, accountId: string, agentId: string): Promise<Export> {
  const agent = await getAgent(prisma, accountId, agentId);
  const conversationsBefore = startBound('cnv');
  const messagesBefore = startBound('msg');
  async function* lines() {
    for await (const conversation of conversationsOf(prisma, accountId, agent.id, conversationsBefore)) {
      yield* conversationJsonl(prisma, conversation, messagesBefore);
    }
  }
  return {
    contentType: EXPORT_CONTENT_TYPES.jsonl,
    fileName: `${agent.id}-conversations.jsonl`,
    chunks: holdingAPlace(accountId, chunked(lines())),
  };
}
