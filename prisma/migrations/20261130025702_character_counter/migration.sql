-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "characterCount" INTEGER NOT NULL DEFAULT 0;

-- Kept like the other list counters (see the list_counters migration): a statement trigger in
-- the transaction that inserts or deletes characters, cascades included. \073 is the semicolon.
CREATE FUNCTION "count_characters"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  UPDATE "Account" p SET "characterCount" = p."characterCount" + c.n * TG_ARGV[0]::int
  FROM (SELECT "accountId" AS id, count(*)::int AS n FROM changed GROUP BY 1) c WHERE p.id = c.id\073
  RETURN NULL\073
END';
CREATE TRIGGER "Character_counted_in" AFTER INSERT ON "Character" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "count_characters"('1');
CREATE TRIGGER "Character_counted_out" AFTER DELETE ON "Character" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION "count_characters"('-1');

-- Backfill from the characters already there.
UPDATE "Account" a SET "characterCount" = (SELECT count(*) FROM "Character" WHERE "accountId" = a.id);
