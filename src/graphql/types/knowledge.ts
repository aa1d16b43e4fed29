import {
  KNOWLEDGE_LANGUAGES,
  KNOWLEDGE_LIMITS as L,
  attachDocument,
  attachedAgentIds,
  chunksOfDocument,
  deleteDocument,
  detachDocument,
  getDocument,
  listDocuments,
  uploadDocument,
  type ChunkItem,
  type UploadResult,
} from '../../services/knowledge/documents.js';
import type { PageArgs } from '../../services/pagination.js';
import { builder, requireKey } from '../builder.js';
import { connectionOf, edgeOf, pageArgs, toConnection } from '../pagination.js';
import { AgentRef } from './agent.js';

const KnowledgeFormatEnum = builder.enumType('KnowledgeFormat', {
  description: 'markdown: headings start sections (chunks never span two); text: paragraphs only.',
  values: {
    text: { description: 'Plain text: split into chunks at blank lines (paragraphs).' },
    markdown: { description: 'Markdown: headings start sections, and no chunk spans two; chunks remember their headings.' },
  } as const,
});

const KnowledgeChunkRef = builder.objectRef<ChunkItem>('KnowledgeChunk').implement({
  description: 'One passage of a document, in order; `text` is exactly the content from startOffset to endOffset.',
  fields: (t) => ({
    position: t.exposeInt('position', { description: 'The passage’s place in the document (0 first).' }),
    heading: t.exposeString('heading', { nullable: true, description: 'The Markdown headings it sits under ("Setup > Linux").' }),
    text: t.exposeString('text', { description: 'The passage’s text.' }),
    startOffset: t.exposeInt('startOffset', { description: 'Where it starts in the content (UTF-16 code units).' }),
    endOffset: t.exposeInt('endOffset', { description: 'Where it ends in the content (UTF-16 code units, excluded).' }),
    tokenCount: t.exposeInt('tokenCount', { description: 'Estimated tokens.' }),
  }),
});

export const KnowledgeDocumentRef = builder.prismaNode('KnowledgeDocument', {
  description:
    'A document of your account, chunked and indexed for search. Documents of a character (characterId set) are made from its knowledge entries and managed by OrionOS: read-only through the API.',
  id: { field: 'id', description: 'The document’s ID (`doc_…`).' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, accountId: requireKey(ctx).account.id }),
  fields: (t) => ({
    title: t.exposeString('title', { description: 'Its title: as uploaded, else its first Markdown heading or first line.' }),
    format: t.expose('format', { type: KnowledgeFormatEnum, description: 'How it was split into chunks: markdown or text.' }),
    language: t.exposeString('language', { description: 'The text search configuration its chunks are indexed with.' }),
    contentHash: t.exposeString('contentHash', { description: 'SHA-256 (hex) of format, language and content: a re-upload of the same is the same document.' }),
    content: t.exposeString('content', { description: 'The whole text as uploaded.' }),
    sizeBytes: t.exposeInt('sizeBytes', { description: 'UTF-8 bytes of the content.' }),
    chunkCount: t.exposeInt('chunkCount', { description: 'How many chunks it was split into.' }),
    tokenCount: t.exposeInt('tokenCount', { description: 'Estimated tokens of all its chunks.' }),
    metadata: t.field({
      type: 'StringMap',
      description: 'Your own string pairs, as uploaded; {} when none.',
      resolve: (d) => (d.metadata ?? {}) as Record<string, string>,
    }),
    characterId: t.exposeID('characterId', {
      nullable: true,
      description: 'The character whose knowledge entries this is (managed by OrionOS, read-only); null for an uploaded document.',
    }),
    agentIds: t.idList({
      description: 'The agents it is attached to (agents using its character read it too).',
      resolve: (d, _args, ctx) => attachedAgentIds(ctx.prisma, d.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was uploaded.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    chunks: t.connection(
      {
        type: KnowledgeChunkRef,
        description: 'Its chunks in order (position 0 first).',
        args: pageArgs(t),
        resolve: async (d, args, ctx) => toConnection(await chunksOfDocument(ctx.prisma, d.id, args as PageArgs)) as never,
      },
      connectionOf('KnowledgeChunkConnection', 'a document’s chunks'),
      edgeOf('chunk'),
    ),
  }),
});

const documentConnection = builder.connectionObject(
  { type: KnowledgeDocumentRef, ...connectionOf('KnowledgeDocumentConnection', 'knowledge documents') },
  { name: 'KnowledgeDocumentConnectionEdge', ...edgeOf('document') },
);

builder.objectField(AgentRef, 'knowledge', (t) =>
  t.connection(
    {
      type: KnowledgeDocumentRef,
      description: 'The documents the agent reads: those attached to it and its character’s knowledge, newest first.',
      authScopes: { scope: 'knowledge:read' },
      args: pageArgs(t),
      resolve: async (agent, args, ctx) =>
        toConnection(await listDocuments(ctx.prisma, agent.accountId, { ...(args as PageArgs), agentId: agent.id })) as never,
    },
    documentConnection,
  ),
);

const UploadKnowledgeInput = builder.inputType('UploadKnowledgeInput', {
  description: 'A text or Markdown document. Uploading content the account already has (same text, format and language) returns that document.',
  fields: (t) => ({
    title: t.string({ description: `1–${L.title} characters; default: the first Markdown heading, else the first line.` }),
    text: t.string({ required: true, description: `The content: not blank, at most ${L.textBytes} bytes (512 KiB) in UTF-8.` }),
    format: t.field({ type: KnowledgeFormatEnum, description: 'Default markdown.' }),
    language: t.string({ description: `The text search configuration, one of: ${KNOWLEDGE_LANGUAGES.join(', ')}. Default english.` }),
    metadata: t.field({ type: 'StringMap', description: `Up to ${L.metadataPairs} string pairs.` }),
  }),
});

const UploadKnowledgePayload = builder.objectRef<UploadResult>('UploadKnowledgePayload').implement({
  description: 'The stored document, and whether this upload created it.',
  fields: (t) => ({
    document: t.field({
      type: KnowledgeDocumentRef,
      nullable: false,
      description: 'The document: new, or the one with the same content the account already had.',
      resolve: (r) => r.document,
    }),
    created: t.exposeBoolean('created', { description: 'False when the account already had this content (the same document is returned).' }),
  }),
});

const DetachKnowledgePayload = builder.objectRef<{ agentId: string; documentId: string }>('DetachKnowledgePayload').implement({
  description: 'What was detached: a document from an agent.',
  fields: (t) => ({
    agentId: t.exposeID('agentId', { description: 'The agent that no longer reads the document.' }),
    documentId: t.exposeID('documentId', { description: 'The document, which stays in the account.' }),
    detached: t.boolean({ description: 'Always true.', resolve: () => true }),
  }),
});

const DeleteKnowledgeDocumentPayload = builder.objectRef<{ deletedId: string }>('DeleteKnowledgeDocumentPayload').implement({
  description: 'What was deleted: a document with its chunks.',
  fields: (t) => ({
    deletedId: t.exposeID('deletedId', { description: 'The ID of the deleted document.' }),
    deleted: t.boolean({ description: 'Always true.', resolve: () => true }),
  }),
});

builder.queryFields((t) => ({
  knowledgeDocument: t.field({
    type: KnowledgeDocumentRef,
    description: 'One knowledge document of your account.',
    authScopes: { scope: 'knowledge:read' },
    args: { id: t.arg.id({ required: true, description: 'The document’s ID (`doc_…`).' }) },
    resolve: (_root, { id }, ctx) => getDocument(ctx.prisma, requireKey(ctx).account.id, String(id)),
  }),
  knowledgeDocuments: t.connection(
    {
      type: KnowledgeDocumentRef,
      description: 'Your account’s knowledge documents (or one agent’s, with agentId), newest first.',
      authScopes: { scope: 'knowledge:read' },
      args: { ...pageArgs(t), agentId: t.arg.id({ description: 'Only the documents this agent reads.' }) },
      resolve: async (_root, args, ctx) =>
        toConnection(
          await listDocuments(ctx.prisma, requireKey(ctx).account.id, {
            ...(args as PageArgs),
            agentId: args.agentId == null ? null : String(args.agentId),
          }),
        ) as never,
    },
    documentConnection,
  ),
}));

const attachmentArgs = (t: any) => ({
  agentId: t.arg.id({ required: true, description: 'The agent (`agt_…`).' }),
  documentId: t.arg.id({ required: true, description: 'A document of your account (`doc_…`).' }),
});

builder.mutationFields((t) => ({
  uploadKnowledge: t.field({
    type: UploadKnowledgePayload,
    description: 'Stores a document (idempotent by content) and, with agentId, attaches it to that agent.',
    authScopes: { scope: 'knowledge:write' },
    args: {
      agentId: t.arg.id({ description: 'An agent to attach the document to (`agt_…`); omitted: only stored in the account.' }),
      input: t.arg({ type: UploadKnowledgeInput, required: true, description: 'The document.' }),
    },
    resolve: (_root, { agentId, input }, ctx) =>
      uploadDocument(ctx.prisma, requireKey(ctx).account.id, input, {
        agentId: agentId == null ? null : String(agentId),
        embedder: ctx.messaging.embedder,
        commit: ctx.idempotency?.commit,
      }),
  }),
  attachKnowledge: t.field({
    type: KnowledgeDocumentRef,
    nullable: false,
    description: 'Attaches a document of your account to an agent (nothing changes when it already is).',
    authScopes: { scope: 'knowledge:write' },
    args: attachmentArgs(t),
    resolve: (_root, { agentId, documentId }, ctx) =>
      attachDocument(ctx.prisma, requireKey(ctx).account.id, String(agentId), String(documentId), ctx.idempotency?.commit),
  }),
  detachKnowledge: t.field({
    type: DetachKnowledgePayload,
    description: 'Detaches a document from an agent; the document stays in your account.',
    authScopes: { scope: 'knowledge:write' },
    args: attachmentArgs(t),
    resolve: async (_root, { agentId, documentId }, ctx) => {
      await detachDocument(ctx.prisma, requireKey(ctx).account.id, String(agentId), String(documentId), ctx.idempotency?.commit);
      return { agentId: String(agentId), documentId: String(documentId) };
    },
  }),
  deleteKnowledgeDocument: t.field({
    type: DeleteKnowledgeDocumentPayload,
    description: 'Deletes a document and its chunks; every agent it was attached to stops reading it.',
    authScopes: { scope: 'knowledge:write' },
    args: { id: t.arg.id({ required: true, description: 'The document’s ID (`doc_…`).' }) },
    resolve: async (_root, { id }, ctx) => {
      await deleteDocument(ctx.prisma, requireKey(ctx).account.id, String(id), ctx.idempotency?.commit);
      return { deletedId: String(id) };
    },
  }),
}));
