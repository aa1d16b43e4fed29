import {
  CHUNK_CHARS,
  EXPORT_FORMATS,
  exportAgentConversations,
  exportConversation,
  type Export,
  type ExportChunk,
} from '../../services/conversation-export.js';
import { builder, requireKey } from '../builder.js';

const ExportFormatEnum = builder.enumType('ConversationExportFormat', {
  description: 'What a conversation export is written as.',
  values: {
    jsonl: { description: 'JSON Lines: a `conversation` line, then a `message` line per turn, oldest first.' },
    markdown: { description: 'A readable transcript: a title, then a section per turn.' },
  } as const,
});

const ExportChunkRef = builder.objectRef<ExportChunk>('ExportChunk').implement({
  description: `A piece of an export file (about ${CHUNK_CHARS / 1024} KiB, ending at a line end): concatenate the \`text\` of every event, in order, for the whole file.`,
  fields: (t) => ({
    text: t.exposeString('text', { description: 'The next piece of the file (empty only when the whole file is empty).' }),
    contentType: t.exposeString('contentType', { description: 'The file’s media type, the same on every chunk.' }),
    fileName: t.exposeString('fileName', { description: 'A name to save the file as, the same on every chunk.' }),
  }),
});

/**
 * The export's chunks as events. A consumer that leaves stops the reading and frees the export's
 * place, even before its first event: return() reaches the chunks (a generator function's would
 * not, before it started).
 */
function events(file: Export): AsyncIterableIterator<ExportChunk> {
  const event = (text: string): ExportChunk => ({ text, contentType: file.contentType, fileName: file.fileName });
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const step = await file.chunks.next();
      return step.done ? { done: true, value: undefined } : { done: false, value: event(step.value) };
    },
    async return() {
      await file.chunks.return(undefined);
      return { done: true, value: undefined };
    },
  };
}

const accountOf = (ctx: Parameters<typeof requireKey>[0]) => requireKey(ctx).account.id;

builder.subscriptionFields((t) => ({
  conversationExport: t.field({
    type: ExportChunkRef,
    description:
      'A conversation as a file, in chunks, read from the database a page at a time as the client takes them (REST: GET /v1/conversations/{conversationId}/export). Holds the turns made before the export started.',
    authScopes: { scope: 'conversations:read' },
    args: {
      conversationId: t.arg.id({ required: true, description: 'The conversation (`cnv_…`).' }),
      format: t.arg({ type: ExportFormatEnum, required: false, defaultValue: 'jsonl', description: 'jsonl (the default) or markdown.' }),
    },
    subscribe: async (_root, { conversationId, format }, ctx) =>
      events(await exportConversation(ctx.prisma, accountOf(ctx), String(conversationId), format ?? EXPORT_FORMATS[0])),
    resolve: (chunk: ExportChunk) => chunk,
  }),
  agentConversationsExport: t.field({
    type: ExportChunkRef,
    description:
      'Every conversation of an agent as one JSON Lines file, in chunks: each conversation’s line, then its turns’ lines, oldest first (REST: GET /v1/agents/{agentId}/conversations/export).',
    authScopes: { scope: 'conversations:read' },
    args: { agentId: t.arg.id({ required: true, description: 'The agent (`agt_…`).' }) },
    subscribe: async (_root, { agentId }, ctx) =>
      events(await exportAgentConversations(ctx.prisma, accountOf(ctx), String(agentId))),
    resolve: (chunk: ExportChunk) => chunk,
  }),
}));
