-- Trigram similarity for knowledge search (the gin_trgm_ops index of KnowledgeChunk). A trusted
-- extension: the owner of the database may create it. It lives in the schema public, whatever
-- schema OrionOS uses (the queries name public.word_similarity), since an extension is installed
-- once per database. PGlite must have loaded it before this runs (src/db/pglite-extensions.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

-- CreateEnum
CREATE TYPE "KnowledgeFormat" AS ENUM ('text', 'markdown');

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "citations" JSONB;

-- CreateTable
CREATE TABLE "KnowledgeDocument" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "characterId" TEXT,
    "title" TEXT NOT NULL,
    "format" "KnowledgeFormat" NOT NULL,
    "language" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "chunkCount" INTEGER NOT NULL,
    "tokenCount" INTEGER NOT NULL,
    "metadata" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "KnowledgeDocument_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgentKnowledge" (
    "agentId" TEXT NOT NULL,
    "documentId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentKnowledge_pkey" PRIMARY KEY ("agentId","documentId")
);

-- CreateTable
CREATE TABLE "KnowledgeChunk" (
    "documentId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "accountId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "startOffset" INTEGER NOT NULL,
    "endOffset" INTEGER NOT NULL,
    "heading" TEXT,
    "tokenCount" INTEGER NOT NULL,
    "searchVector" tsvector NOT NULL,
    "embedding" REAL[] DEFAULT ARRAY[]::REAL[],

    CONSTRAINT "KnowledgeChunk_pkey" PRIMARY KEY ("documentId","position")
);

-- CreateIndex
CREATE UNIQUE INDEX "KnowledgeDocument_characterId_key" ON "KnowledgeDocument"("characterId");

-- CreateIndex
CREATE INDEX "KnowledgeDocument_accountId_id_idx" ON "KnowledgeDocument"("accountId", "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "KnowledgeDocument_accountId_contentHash_key" ON "KnowledgeDocument"("accountId", "contentHash");

-- CreateIndex
CREATE INDEX "AgentKnowledge_documentId_idx" ON "AgentKnowledge"("documentId");

-- CreateIndex
CREATE INDEX "KnowledgeChunk_searchVector_idx" ON "KnowledgeChunk" USING GIN ("searchVector");

-- CreateIndex
CREATE INDEX "KnowledgeChunk_text_idx" ON "KnowledgeChunk" USING GIN ("text" public.gin_trgm_ops);

-- AddForeignKey
ALTER TABLE "KnowledgeDocument" ADD CONSTRAINT "KnowledgeDocument_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KnowledgeDocument" ADD CONSTRAINT "KnowledgeDocument_characterId_fkey" FOREIGN KEY ("characterId") REFERENCES "Character"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentKnowledge" ADD CONSTRAINT "AgentKnowledge_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentKnowledge" ADD CONSTRAINT "AgentKnowledge_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "KnowledgeDocument"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentKnowledge" ADD CONSTRAINT "AgentKnowledge_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KnowledgeChunk" ADD CONSTRAINT "KnowledgeChunk_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "KnowledgeDocument"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Keys that could do everything an account owner could (every scope but admin, before knowledge
-- existed) keep that power: they get the two knowledge scopes. Without this, no key of an
-- existing account could use knowledge or create a key that can (a key only grants its own scopes).
UPDATE "ApiKey"
SET "scopes" = "scopes" || ARRAY['knowledge:read', 'knowledge:write']
WHERE "scopes" @> ARRAY['agents:read', 'agents:write', 'characters:read', 'characters:write', 'messages:write',
    'conversations:read', 'keys:manage', 'webhooks:manage']
  AND NOT "scopes" @> ARRAY['knowledge:read'];
