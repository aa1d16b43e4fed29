-- Conversation search reads a stored full-text vector instead of computing to_tsvector for every
-- matching message again (ranking needs all of them). PostgreSQL keeps the column from "text";
-- prisma/schema.prisma declares it (Unsupported) but cannot say it is generated.
ALTER TABLE "Message" ADD COLUMN "searchVector" tsvector
  GENERATED ALWAYS AS (to_tsvector('english'::regconfig, "text")) STORED;

-- CreateIndex
CREATE INDEX "Message_searchVector_idx" ON "Message" USING GIN ("searchVector");

-- The expression index it replaces.
DROP INDEX "Message_text_search_idx";
