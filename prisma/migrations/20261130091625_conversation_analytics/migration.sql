-- CreateEnum
CREATE TYPE "FeedbackRating" AS ENUM ('like', 'dislike');

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "feedbackAt" TIMESTAMPTZ(3),
ADD COLUMN     "feedbackComment" TEXT,
ADD COLUMN     "feedbackRating" "FeedbackRating";

-- CreateIndex
CREATE INDEX "Conversation_agentId_createdAt_idx" ON "Conversation"("agentId", "createdAt");

-- CreateIndex
CREATE INDEX "Conversation_accountId_createdAt_idx" ON "Conversation"("accountId", "createdAt");

-- CreateIndex
CREATE INDEX "Message_agentId_createdAt_idx" ON "Message"("agentId", "createdAt");

-- CreateIndex
CREATE INDEX "Message_accountId_createdAt_idx" ON "Message"("accountId", "createdAt");

-- Full-text search over message text (conversation search). An expression index, which
-- prisma/schema.prisma cannot describe: queries must use this exact expression to use it.
CREATE INDEX "Message_text_search_idx" ON "Message" USING GIN (to_tsvector('english'::regconfig, "text"));
