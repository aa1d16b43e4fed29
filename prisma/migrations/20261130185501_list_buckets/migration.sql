-- CreateTable
CREATE TABLE "ListBucket" (
    "list" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "fromId" TEXT NOT NULL,
    "size" INTEGER NOT NULL,

    CONSTRAINT "ListBucket_pkey" PRIMARY KEY ("list","ownerId","fromId")
);

-- Buckets of a list: how many of its rows lie in each id range, so a page at any depth is found
-- by summing a few bucket sizes and reading inside one range, never by skipping the rows before
-- it. A range runs from its fromId (inclusive, the first one from the empty string) to the next
-- range. Kept by statement triggers in the transaction that inserts or deletes the rows, like the
-- list counters (cascades included). A range that grows past 1000 rows is cut into ranges of 500
-- (reading only that range), and a range that a delete shrinks is merged into the older one when
-- the two hold 500 rows or fewer, so ranges stay bounded and few. The writers of one list take
-- turns on a transaction advisory lock (class 1414, the hash of table and owner), then read the
-- ranges afresh (each statement of a READ COMMITTED transaction sees what the previous holder
-- committed), so concurrent creates and deletes never miscount. A list with no rows left has no
-- ranges. TG_ARGV: the owner column, then 1 (insert) or -1 (delete). \073 is the semicolon (see
-- the list_counters migration).
CREATE FUNCTION "keep_list_buckets"() RETURNS trigger LANGUAGE plpgsql AS E'DECLARE
  owner_column text := TG_ARGV[0]\073
  delta int := TG_ARGV[1]::int\073
  owner text\073
  touched record\073
  current_size int\073
  upper_id text\073
  older record\073
BEGIN
  FOR owner IN EXECUTE format(''SELECT DISTINCT %I FROM changed ORDER BY 1'', owner_column) LOOP
    PERFORM pg_advisory_xact_lock(1414, hashtext(TG_TABLE_NAME || '':'' || owner))\073
    INSERT INTO "ListBucket" ("list", "ownerId", "fromId", "size") VALUES (TG_TABLE_NAME, owner, '''', 0)
      ON CONFLICT DO NOTHING\073
    FOR touched IN EXECUTE format(
      ''UPDATE "ListBucket" b SET "size" = b."size" + c.n * $3 FROM (
          SELECT (SELECT max(k."fromId") FROM "ListBucket" k
                  WHERE k."list" = $1 AND k."ownerId" = $2 AND k."fromId" <= r.id) AS "fromId", count(*)::int AS n
          FROM changed r WHERE r.%I = $2 GROUP BY 1) c
        WHERE b."list" = $1 AND b."ownerId" = $2 AND b."fromId" = c."fromId"
        RETURNING b."fromId"'', owner_column) USING TG_TABLE_NAME, owner, delta
    LOOP
      SELECT "size" INTO current_size FROM "ListBucket"
        WHERE "list" = TG_TABLE_NAME AND "ownerId" = owner AND "fromId" = touched."fromId"\073
      CONTINUE WHEN NOT FOUND\073
      IF delta > 0 AND current_size > 1000 THEN
        SELECT min("fromId") INTO upper_id FROM "ListBucket"
          WHERE "list" = TG_TABLE_NAME AND "ownerId" = owner AND "fromId" > touched."fromId"\073
        EXECUTE format(
          ''INSERT INTO "ListBucket" ("list", "ownerId", "fromId", "size")
            SELECT $1, $2, r.id, least(500, r.total - r.n)::int FROM (
              SELECT id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS total FROM %I
              WHERE %I = $2 AND id >= $3 %s) r
            WHERE r.n > 0 AND r.n %% 500 = 0'', TG_TABLE_NAME, owner_column,
            CASE WHEN upper_id IS NULL THEN '''' ELSE ''AND id < $4'' END)
          USING TG_TABLE_NAME, owner, touched."fromId", upper_id\073
        UPDATE "ListBucket" SET "size" = 500
          WHERE "list" = TG_TABLE_NAME AND "ownerId" = owner AND "fromId" = touched."fromId"\073
      ELSIF delta < 0 AND touched."fromId" <> '''' THEN
        SELECT "fromId", "size" INTO older FROM "ListBucket"
          WHERE "list" = TG_TABLE_NAME AND "ownerId" = owner AND "fromId" < touched."fromId"
          ORDER BY "fromId" DESC LIMIT 1\073
        IF older."size" + current_size <= 500 THEN
          UPDATE "ListBucket" SET "size" = "size" + current_size
            WHERE "list" = TG_TABLE_NAME AND "ownerId" = owner AND "fromId" = older."fromId"\073
          DELETE FROM "ListBucket"
            WHERE "list" = TG_TABLE_NAME AND "ownerId" = owner AND "fromId" = touched."fromId"\073
        END IF\073
      END IF\073
    END LOOP\073
    IF delta < 0 THEN
      DELETE FROM "ListBucket" WHERE "list" = TG_TABLE_NAME AND "ownerId" = owner AND NOT EXISTS (
        SELECT 1 FROM "ListBucket" WHERE "list" = TG_TABLE_NAME AND "ownerId" = owner AND "size" > 0)\073
    END IF\073
  END LOOP\073
  RETURN NULL\073
END';

-- The triggers and the ranges of the rows already there in one statement (a DO block), so in one
-- transaction: writers wait on the SHARE lock until both are in place, and no row is counted by a
-- trigger and again by the backfill (a row written between the two by an instance still on the
-- previous version would otherwise collide with the backfill and fail the migration).
-- Triggers are named to fire after the counters of the same table (triggers fire in name order):
-- the owner row a counter updates is locked before the advisory lock, the order an owner delete
-- takes them in. Ranges for the rows already there: 500 to a range, the first from the empty string.
DO E'BEGIN
  LOCK TABLE "Agent", "ApiKey", "Character", "Conversation" IN SHARE MODE\073
  CREATE TRIGGER "Agent_paged_in" AFTER INSERT ON "Agent" REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION "keep_list_buckets"(''accountId'', ''1'')\073
  CREATE TRIGGER "Agent_paged_out" AFTER DELETE ON "Agent" REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION "keep_list_buckets"(''accountId'', ''-1'')\073
  CREATE TRIGGER "ApiKey_paged_in" AFTER INSERT ON "ApiKey" REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION "keep_list_buckets"(''accountId'', ''1'')\073
  CREATE TRIGGER "ApiKey_paged_out" AFTER DELETE ON "ApiKey" REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION "keep_list_buckets"(''accountId'', ''-1'')\073
  CREATE TRIGGER "Character_paged_in" AFTER INSERT ON "Character" REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION "keep_list_buckets"(''accountId'', ''1'')\073
  CREATE TRIGGER "Character_paged_out" AFTER DELETE ON "Character" REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION "keep_list_buckets"(''accountId'', ''-1'')\073
  CREATE TRIGGER "Conversation_paged_in" AFTER INSERT ON "Conversation" REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION "keep_list_buckets"(''agentId'', ''1'')\073
  CREATE TRIGGER "Conversation_paged_out" AFTER DELETE ON "Conversation" REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION "keep_list_buckets"(''agentId'', ''-1'')\073
  INSERT INTO "ListBucket" ("list", "ownerId", "fromId", "size")
  SELECT r.list, r.owner, CASE WHEN r.n = 0 THEN '''' ELSE r.id END, least(500, r.total - r.n)::int FROM (
    SELECT ''Agent'' AS list, "accountId" AS owner, id, row_number() OVER w - 1 AS n, count(*) OVER (PARTITION BY "accountId") AS total
      FROM "Agent" WINDOW w AS (PARTITION BY "accountId" ORDER BY id)
    UNION ALL
    SELECT ''ApiKey'', "accountId", id, row_number() OVER w - 1, count(*) OVER (PARTITION BY "accountId")
      FROM "ApiKey" WINDOW w AS (PARTITION BY "accountId" ORDER BY id)
    UNION ALL
    SELECT ''Character'', "accountId", id, row_number() OVER w - 1, count(*) OVER (PARTITION BY "accountId")
      FROM "Character" WINDOW w AS (PARTITION BY "accountId" ORDER BY id)
    UNION ALL
    SELECT ''Conversation'', "agentId", id, row_number() OVER w - 1, count(*) OVER (PARTITION BY "agentId")
      FROM "Conversation" WINDOW w AS (PARTITION BY "agentId" ORDER BY id)
  ) r WHERE r.n % 500 = 0\073
END';
