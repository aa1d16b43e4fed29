import { Prisma } from '../db/generated/prisma/client.js';

/**
 * The SQL of conversation analytics. Every value from a client is a bound parameter; the only
 * text spliced in is chosen here from fixed fragments.
 *
 * Buckets are [start, end) in the client's IANA zone. Days and weeks are stepped as local
 * timestamps (without zone) and converted with AT TIME ZONE, so a day is 23 or 25 hours long
 * across a daylight-saving change. Hours are the distinct local hours (date_trunc with the zone)
 * of instants sampled every 15 minutes over the range, so the repeated local hour of a fall-back
 * is two buckets, the skipped one of a spring-forward none, and a zone whose offset moves by half
 * an hour (Australia/Lord_Howe) loses no bucket, its hour of the change being 30 or 90 minutes long.
 * (PostgreSQL 15 has no generate_series with a zone; date_trunc with a zone exists since 12.)
 */

export type AnalyticsInterval = 'hour' | 'day' | 'week';

export type Range = { from: Date; to: Date; interval: AnalyticsInterval; timeZone: string };

/** Which rows: one agent's (of its account), or all of an account's. */
export type AnalyticsScope = { accountId: string; agentId?: string };

const LOCAL_STEP = { day: '1 day', week: '1 week' } as const;

/** The start (a timestamptz) of the bucket that holds the instant `column`. */
function bucketOf(column: Prisma.Sql, { interval, timeZone }: Range): Prisma.Sql {
  if (interval === 'hour') return Prisma.sql`date_trunc('hour', ${column}, ${timeZone}::text)`;
  return Prisma.sql`(date_trunc(${interval}::text, ${column} AT TIME ZONE ${timeZone}::text) AT TIME ZONE ${timeZone}::text)`;
}

/** Every bucket of the range in order, at most `limit` of them (key, start and end as instants). */
export function bucketsSql(range: Range, limit: number): Prisma.Sql {
  const { from, to, interval, timeZone } = range;
  const last = Prisma.sql`(${to}::timestamptz - interval '1 microsecond')`;
  if (interval === 'hour') {
    // The local hours the range meets, from instants sampled every 15 minutes (no offset change is
    // finer: Australia/Lord_Howe moves by 30), each ending at its last sample's quarter; sampled
    // an hour past the range, so that the last bucket has its whole end.
    // A bucket's key is what bucketOf gives its messages; its start, its first real instant (they
    // differ only for an hour a change skips half of).
    return Prisma.sql`SELECT b."key", b."start", b."end" FROM (
        SELECT date_trunc('hour', g, ${timeZone}::text) AS "key", min(g) AS "start", max(g) + interval '15 minutes' AS "end"
        FROM generate_series(date_trunc('hour', ${from}::timestamptz, ${timeZone}::text), ${last} + interval '1 hour', interval '15 minutes') AS g
        GROUP BY 1
      ) b
      WHERE b."key" <= date_trunc('hour', ${last}, ${timeZone}::text)
      ORDER BY b."key" LIMIT ${limit}::int`;
  }
  const step = Prisma.sql`${LOCAL_STEP[interval]}::interval`;
  return Prisma.sql`SELECT g AT TIME ZONE ${timeZone}::text AS "key", g AT TIME ZONE ${timeZone}::text AS "start", (g + ${step}) AT TIME ZONE ${timeZone}::text AS "end"
    FROM generate_series(
      date_trunc(${interval}::text, ${from}::timestamptz AT TIME ZONE ${timeZone}::text),
      date_trunc(${interval}::text, ${last} AT TIME ZONE ${timeZone}::text),
      ${step}) AS g
    ORDER BY g LIMIT ${limit}::int`;
}

/** The metrics the aggregate counts, as its columns name them (the percentiles apart). */
export type MetricCounts = {
  messages: number;
  conversationsStarted: number;
  activeUsers: number;
  turns: number;
  failedTurns: number;
  errorRate: number | null;
  inputTokens: number;
  outputTokens: number;
  likes: number;
  dislikes: number;
  ratedTurns: number;
  satisfaction: number | null;
  toolCalls: number;
};

/** One row of the aggregate: a bucket (level 1), an agent (2) or the whole range (3). */
export type AggregateRow = MetricCounts & {
  level: number;
  bucket: Date | null;
  agentId: string | null;
  p50: number | null;
  p95: number | null;
};

function scopeOf(alias: string, scope: AnalyticsScope): Prisma.Sql {
  const t = Prisma.raw(alias);
  return scope.agentId
    ? Prisma.sql`${t}."agentId" = ${scope.agentId} AND ${t}."accountId" = ${scope.accountId}`
    : Prisma.sql`${t}."accountId" = ${scope.accountId}`;
}

/**
 * Every metric in one pass over the range's messages and conversations (on the
 * (agentId|accountId, createdAt) indexes): per bucket, per agent (account-wide only) and in
 * total, with GROUPING SETS, so that distinct users and percentiles of the totals are over the
 * whole range, not sums of buckets.
 */
export function aggregateSql(range: Range, scope: AnalyticsScope): Prisma.Sql {
  const { from, to } = range;
  const byAgent = !scope.agentId;
  const sets = byAgent ? Prisma.sql`(bucket), ("agentId"), ()` : Prisma.sql`(bucket), ()`;
  // GROUPING names only grouped columns: one agent's rows are never grouped by agent.
  const level = byAgent ? Prisma.sql`GROUPING(bucket, "agentId")` : Prisma.sql`1 + 2 * GROUPING(bucket)`;
  const agentOf = (alias: string) => (byAgent ? Prisma.sql`${Prisma.raw(alias)}."agentId"` : Prisma.sql`NULL::text`);
  const completedTurn = Prisma.sql`m."role" = 'user' AND m."status" = 'completed'`;
  const reply = Prisma.sql`m."role" = 'agent'`;
  // The facts are narrow (small integers; each value only on the rows it counts for), since
  // grouping sorts them: kind 0 a conversation, 1 a user turn, 2 an agent's reply; turn 1
  // completed, 2 failed (0 pending); rating 1 like, 2 dislike.
  return Prisma.sql`
    WITH facts AS (
      SELECT ${bucketOf(Prisma.sql`m."createdAt"`, range)} AS bucket, ${agentOf('m')} AS "agentId",
        CASE WHEN m."role" = 'user' THEN 1 ELSE 2 END::int2 AS kind,
        CASE WHEN m."role" <> 'user' THEN 0 WHEN m."status" = 'completed' THEN 1 WHEN m."status" = 'failed' THEN 2 ELSE 0 END::int2 AS turn,
        CASE WHEN m."role" = 'user' THEN m."userId" END AS user_id,
        CASE WHEN ${completedTurn} THEN m."inputTokens" ELSE 0 END AS input_tokens,
        CASE WHEN ${completedTurn} THEN m."outputTokens" ELSE 0 END AS output_tokens,
        CASE WHEN ${completedTurn} THEN m."latencyMs" END AS latency,
        CASE WHEN ${reply} AND m."feedbackRating" = 'like' THEN 1 WHEN ${reply} AND m."feedbackRating" = 'dislike' THEN 2 ELSE 0 END::int2 AS rating,
        CASE WHEN ${reply} AND jsonb_typeof(m."toolCalls") = 'array' THEN jsonb_array_length(m."toolCalls") ELSE 0 END AS tool_calls
      FROM "Message" m
      WHERE ${scopeOf('m', scope)} AND m."createdAt" >= ${from}::timestamptz AND m."createdAt" < ${to}::timestamptz
      UNION ALL
      SELECT ${bucketOf(Prisma.sql`c."createdAt"`, range)}, ${agentOf('c')}, 0::int2, 0::int2, NULL, 0, 0, NULL, 0::int2, 0
      FROM "Conversation" c
      WHERE ${scopeOf('c', scope)} AND c."createdAt" >= ${from}::timestamptz AND c."createdAt" < ${to}::timestamptz
    ), groups AS (
      SELECT ${level} AS level, bucket, ${byAgent ? Prisma.sql`"agentId"` : Prisma.sql`NULL::text`} AS "agentId",
        count(*) FILTER (WHERE kind > 0) AS messages,
        count(*) FILTER (WHERE kind = 0) AS conversations,
        count(DISTINCT user_id) AS users,
        count(*) FILTER (WHERE turn > 0) AS turns,
        count(*) FILTER (WHERE turn = 2) AS failed,
        sum(input_tokens) AS input_tokens,
        sum(output_tokens) AS output_tokens,
        percentile_cont(ARRAY[0.5, 0.95]::float8[]) WITHIN GROUP (ORDER BY latency) AS latency,
        count(*) FILTER (WHERE rating > 0) AS rated,
        count(*) FILTER (WHERE rating = 1) AS likes,
        count(*) FILTER (WHERE rating = 2) AS dislikes,
        sum(tool_calls) AS tool_calls
      FROM facts
      GROUP BY GROUPING SETS (${sets})
    )
    SELECT level::int AS level, bucket, "agentId",
      messages::int AS "messages", conversations::int AS "conversationsStarted", users::int AS "activeUsers",
      turns::int AS "turns", failed::int AS "failedTurns", failed::float8 / NULLIF(turns, 0) AS "errorRate",
      COALESCE(input_tokens, 0)::float8 AS "inputTokens", COALESCE(output_tokens, 0)::float8 AS "outputTokens",
      latency[1] AS "p50", latency[2] AS "p95",
      rated::int AS "ratedTurns", likes::int AS "likes", dislikes::int AS "dislikes", likes::float8 / NULLIF(rated, 0) AS "satisfaction",
      COALESCE(tool_calls, 0)::float8 AS "toolCalls"
    FROM groups`;
}
