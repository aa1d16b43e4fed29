import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import { invalidRequest } from '../errors.js';
import {
  aggregateSql,
  bucketsSql,
  type AggregateRow,
  type AnalyticsInterval,
  type AnalyticsScope,
  type MetricCounts,
  type Range,
} from './analytics-sql.js';
import { parseInput } from './validation.js';

export type { AnalyticsInterval };

/** Documented bounds of an analytics request. */
export const ANALYTICS_LIMITS = {
  maxRangeDays: 366,
  maxBuckets: 1_000,
  defaultRangeDays: 7,
} as const;

export const ANALYTICS_INTERVALS = ['hour', 'day', 'week'] as const;

const DAY_MS = 86_400_000;

export type Metrics = MetricCounts & { latencyMs: { p50: number | null; p95: number | null } };

export type AnalyticsBucket = Metrics & { start: Date; end: Date };

export type Analytics = {
  from: Date;
  to: Date;
  interval: AnalyticsInterval;
  timeZone: string;
  totals: Metrics;
  series: AnalyticsBucket[];
};

export type AgentAnalytics = Analytics & { agentId: string };

export type AccountAnalytics = Analytics & { agents: { agentId: string; name: string; totals: Metrics }[] };

export type AnalyticsArgs = {
  from?: Date | null;
  to?: Date | null;
  interval?: AnalyticsInterval | null;
  timeZone?: string | null;
};

const EMPTY: Metrics = {
  messages: 0,
  conversationsStarted: 0,
  activeUsers: 0,
  turns: 0,
  failedTurns: 0,
  errorRate: null,
  inputTokens: 0,
  outputTokens: 0,
  latencyMs: { p50: null, p95: null },
  likes: 0,
  dislikes: 0,
  ratedTurns: 0,
  satisfaction: null,
  toolCalls: 0,
};

/** The zone names the database knows, by lower-case name (PostgreSQL matches zone names so). */
const databaseZones = new WeakMap<PrismaClient, Promise<Map<string, string>>>();

function zonesOf(prisma: PrismaClient): Promise<Map<string, string>> {
  let zones = databaseZones.get(prisma);
  if (!zones) {
    zones = prisma
      .$queryRaw<{ name: string }[]>`SELECT name FROM pg_timezone_names`
      .then((rows) => new Map(rows.map(({ name }) => [name.toLowerCase(), name])));
    zones.catch(() => databaseZones.delete(prisma));
    databaseZones.set(prisma, zones);
  }
  return zones;
}

/** IANA names (and UTC) that ICU knows; offsets and POSIX strings such as "UTC+5" are not zones here. */
function intlKnows(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const argsSchema = z
  .object({
    from: z.date().optional(),
    to: z.date().optional(),
    interval: z.enum(ANALYTICS_INTERVALS).default('day'),
    timeZone: z
      .string()
      .max(64, 'must be an IANA time zone, e.g. Europe/Berlin')
      .refine(intlKnows, 'must be an IANA time zone, e.g. Europe/Berlin')
      .default('UTC'),
  })
  .transform(({ from, to, interval, timeZone }, ctx) => {
    const end = to ?? new Date();
    const start = from ?? new Date(end.getTime() - ANALYTICS_LIMITS.defaultRangeDays * DAY_MS);
    if (end.getTime() <= start.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
      return z.NEVER;
    }
    if (end.getTime() - start.getTime() > ANALYTICS_LIMITS.maxRangeDays * DAY_MS) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `must be at most ${ANALYTICS_LIMITS.maxRangeDays} days before to` });
      return z.NEVER;
    }
    return { from: start, to: end, interval, timeZone };
  });

/** The request's range with its defaults, checked (400 naming the field), zone in the database's spelling. */
async function rangeOf(prisma: PrismaClient, args: AnalyticsArgs): Promise<Range> {
  const defined = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null && v !== undefined));
  const range = parseInput(argsSchema, defined);
  const known = (await zonesOf(prisma)).get(range.timeZone.toLowerCase());
  if (!known) throw invalidRequest([{ field: 'timeZone', message: 'is not a time zone the database knows' }]);
  return { ...range, timeZone: known };
}

/** `key`: the bucket as the aggregate names it (bucketOf); `start`, `end`: what the client sees. */
type Bucket = { key: Date; start: Date; end: Date };

async function bucketsOf(prisma: PrismaClient, range: Range): Promise<Bucket[]> {
  const buckets = await prisma.$queryRaw<Bucket[]>(bucketsSql(range, ANALYTICS_LIMITS.maxBuckets + 1));
  if (buckets.length > ANALYTICS_LIMITS.maxBuckets) {
    throw invalidRequest([
      {
        field: 'interval',
        message: `gives more than ${ANALYTICS_LIMITS.maxBuckets} buckets over this range: choose a longer interval or a shorter range`,
      },
    ]);
  }
  return buckets;
}

function metricsOf(row: AggregateRow | undefined): Metrics {
  if (!row) return EMPTY;
  const { level: _l, bucket: _b, agentId: _a, p50, p95, ...counts } = row;
  return { ...counts, latencyMs: { p50, p95 } };
}

async function compute(prisma: PrismaClient, args: AnalyticsArgs, scope: AnalyticsScope) {
  const range = await rangeOf(prisma, args);
  const buckets = await bucketsOf(prisma, range);
  const rows = await prisma.$queryRaw<AggregateRow[]>(aggregateSql(range, scope));
  const byBucket = new Map(rows.filter((r) => r.level === 1).map((r) => [r.bucket!.getTime(), r]));
  return {
    range,
    rows,
    analytics: {
      ...range,
      totals: metricsOf(rows.find((r) => r.level === 3)),
      series: buckets.map(({ key, start, end }) => ({ start, end, ...metricsOf(byBucket.get(key.getTime())) })),
    } satisfies Analytics,
  };
}

/** One agent's analytics (the agent was read from the caller's account). */
export async function agentAnalytics(
  prisma: PrismaClient,
  agent: { id: string; accountId: string },
  args: AnalyticsArgs,
): Promise<AgentAnalytics> {
  const { analytics } = await compute(prisma, args, { accountId: agent.accountId, agentId: agent.id });
  return { agentId: agent.id, ...analytics };
}

/** An account's analytics, with the agents that had activity in the range, busiest first. */
export async function accountAnalytics(prisma: PrismaClient, accountId: string, args: AnalyticsArgs): Promise<AccountAnalytics> {
  const { analytics, rows } = await compute(prisma, args, { accountId });
  const agentRows = rows.filter((r) => r.level === 2).sort((a, b) => b.messages - a.messages || (a.agentId! < b.agentId! ? -1 : 1));
  const names = new Map(
    (
      await prisma.agent.findMany({
        where: { accountId, id: { in: agentRows.map((r) => r.agentId!) } },
        select: { id: true, name: true },
      })
    ).map((a) => [a.id, a.name]),
  );
  return {
    ...analytics,
    agents: agentRows
      .filter((r) => names.has(r.agentId!))
      .map((r) => ({ agentId: r.agentId!, name: names.get(r.agentId!)!, totals: metricsOf(r) })),
  };
}
