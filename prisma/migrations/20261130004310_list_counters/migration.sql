-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "agentCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "apiKeyCount" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "conversationCount" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "TableCount" (
    "name" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "TableCount_pkey" PRIMARY KEY ("name")
);

-- The counters are kept by statement triggers, in the transaction that inserts or deletes the
-- rows: exact under concurrent writes (each change is an UPDATE of the counter row, which waits
-- for the row lock), never half-applied, and right whichever code path writes the rows, cascades
-- included (the rows an ON DELETE CASCADE removes fire their own table's triggers). A counter on
-- a row that the same cascade deletes simply matches nothing.
-- `changed` holds the statement's inserted (or deleted) rows, TG_ARGV[0] is 1 or -1. Unqualified
-- table names resolve through the connection's search_path, like the migrations' own SQL.
-- The bodies are E-strings with \073 for the semicolon: the PostgreSQL driver adapter runs a
-- migration as statements split at every semicolon, so the file has none but statement ends.

CREATE FUNCTION "count_agents"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  UPDATE "Account" p SET "agentCount" = p."agentCount" + c.n * TG_ARGV[0]::int
  FROM (SELECT "accountId" AS id, count(*)::int AS n FROM changed GROUP BY 1) c WHERE p.id = c.id\073
  RETURN NULL\073
END';
CREATE TRIGGER "Agent_counted_in" AFTER INSERT ON "Agent" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "count_agents"('1');
CREATE TRIGGER "Agent_counted_out" AFTER DELETE ON "Agent" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "count_agents"('-1');

CREATE FUNCTION "count_api_keys"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  UPDATE "Account" p SET "apiKeyCount" = p."apiKeyCount" + c.n * TG_ARGV[0]::int
  FROM (SELECT "accountId" AS id, count(*)::int AS n FROM changed GROUP BY 1) c WHERE p.id = c.id\073
  RETURN NULL\073
END';
CREATE TRIGGER "ApiKey_counted_in" AFTER INSERT ON "ApiKey" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "count_api_keys"('1');
CREATE TRIGGER "ApiKey_counted_out" AFTER DELETE ON "ApiKey" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "count_api_keys"('-1');

CREATE FUNCTION "count_conversations"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  UPDATE "Agent" p SET "conversationCount" = p."conversationCount" + c.n * TG_ARGV[0]::int
  FROM (SELECT "agentId" AS id, count(*)::int AS n FROM changed GROUP BY 1) c WHERE p.id = c.id\073
  RETURN NULL\073
END';
CREATE TRIGGER "Conversation_counted_in" AFTER INSERT ON "Conversation" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "count_conversations"('1');
CREATE TRIGGER "Conversation_counted_out" AFTER DELETE ON "Conversation" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "count_conversations"('-1');

CREATE FUNCTION "count_accounts"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  INSERT INTO "TableCount" ("name", "count") SELECT ''Account'', count(*)::int * TG_ARGV[0]::int FROM changed
  ON CONFLICT ("name") DO UPDATE SET "count" = "TableCount"."count" + EXCLUDED."count"\073
  RETURN NULL\073
END';
CREATE TRIGGER "Account_counted_in" AFTER INSERT ON "Account" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "count_accounts"('1');
CREATE TRIGGER "Account_counted_out" AFTER DELETE ON "Account" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "count_accounts"('-1');

-- Backfill from the rows already there (Conversation.messageCount is kept by the send path).
UPDATE "Account" a SET "agentCount" = (SELECT count(*) FROM "Agent" WHERE "accountId" = a.id),
  "apiKeyCount" = (SELECT count(*) FROM "ApiKey" WHERE "accountId" = a.id);
UPDATE "Agent" a SET "conversationCount" = (SELECT count(*) FROM "Conversation" WHERE "agentId" = a.id);
INSERT INTO "TableCount" ("name", "count") SELECT 'Account', count(*)::int FROM "Account";
