/**
 * Conversation analytics computed in plain JavaScript from the seeded rows, with time zones
 * handled by Intl (not by the database): what the API must answer.
 */

export type SeedMessage = {
  id: string;
  accountId: string;
  agentId: string;
  conversationId: string;
  userId: string;
  role: 'user' | 'agent';
  status: 'pending' | 'completed' | 'failed';
  createdAt: Date;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number | null;
  toolCalls: unknown[] | null;
  feedbackRating: 'like' | 'dislike' | null;
};

export type SeedConversation = { id: string; accountId: string; agentId: string; userId: string; createdAt: Date };

export type Interval = 'hour' | 'day' | 'week';

const HOUR = 3_600_000;

/** The wall-clock fields of an instant in a zone. */
function local(t: number, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(new Date(t))
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  return parts;
}

/** Milliseconds the zone is ahead of UTC at instant t. */
function offset(t: number, timeZone: string): number {
  const l = local(t, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(t / 1000) * 1000;
}

/** The instant of local midnight of a calendar date (y, m 1-based, d) in the zone. */
function localMidnight(y: number, m: number, d: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d);
  let t = wall - offset(wall, timeZone);
  t = wall - offset(t, timeZone);
  return t;
}

/** The start of the bucket holding instant t. */
function bucketStart(t: number, interval: Interval, timeZone: string): number {
  const l = local(t, timeZone);
  if (interval === 'hour') return Math.floor(t / 1000) * 1000 - (l.minute * 60 + l.second) * 1000;
  const date = new Date(Date.UTC(l.year, l.month - 1, l.day));
  if (interval === 'week') date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return localMidnight(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), timeZone);
}

/** The start of the bucket after the one starting at `start`. */
function nextStart(start: number, interval: Interval, timeZone: string): number {
  if (interval === 'hour') return start + HOUR;
  const l = local(start, timeZone);
  const date = new Date(Date.UTC(l.year, l.month - 1, l.day + (interval === 'week' ? 7 : 1)));
  return localMidnight(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), timeZone);
}

export function expectedBuckets(from: Date, to: Date, interval: Interval, timeZone: string): { start: number; end: number }[] {
  const buckets = [];
  const last = bucketStart(to.getTime() - 1, interval, timeZone);
  for (let start = bucketStart(from.getTime(), interval, timeZone); start <= last; ) {
    const end = nextStart(start, interval, timeZone);
    buckets.push({ start, end });
    start = end;
  }
  return buckets;
}

/** percentile_cont: linear interpolation between the closest ranks. */
export function percentileCont(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

export function expectedMetrics(messages: SeedMessage[], conversations: SeedConversation[]) {
  const userTurns = messages.filter((m) => m.role === 'user');
  const completed = userTurns.filter((m) => m.status === 'completed');
  const failed = userTurns.filter((m) => m.status === 'failed');
  const replies = messages.filter((m) => m.role === 'agent');
  const turns = completed.length + failed.length;
  const rated = replies.filter((m) => m.feedbackRating !== null);
  const likes = rated.filter((m) => m.feedbackRating === 'like').length;
  const latencies = completed.flatMap((m) => (m.latencyMs === null ? [] : [m.latencyMs]));
  return {
    messages: messages.length,
    conversationsStarted: conversations.length,
    activeUsers: new Set(userTurns.map((m) => m.userId)).size,
    turns,
    failedTurns: failed.length,
    errorRate: turns ? failed.length / turns : null,
    inputTokens: completed.reduce((sum, m) => sum + m.inputTokens, 0),
    outputTokens: completed.reduce((sum, m) => sum + m.outputTokens, 0),
    latencyMs: { p50: percentileCont(latencies, 0.5), p95: percentileCont(latencies, 0.95) },
    likes,
    dislikes: rated.length - likes,
    ratedTurns: rated.length,
    satisfaction: rated.length ? likes / rated.length : null,
    toolCalls: replies.reduce((sum, m) => sum + (m.toolCalls?.length ?? 0), 0),
  };
}

/** The whole answer for rows already narrowed to an agent or an account. */
export function expectedAnalytics(
  messages: SeedMessage[],
  conversations: SeedConversation[],
  range: { from: Date; to: Date; interval: Interval; timeZone: string },
) {
  const { from, to, interval, timeZone } = range;
  const within = <T extends { createdAt: Date }>(rows: T[], a: number, b: number) =>
    rows.filter((r) => r.createdAt.getTime() >= Math.max(a, from.getTime()) && r.createdAt.getTime() < Math.min(b, to.getTime()));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    interval,
    timeZone,
    totals: expectedMetrics(within(messages, -Infinity, Infinity), within(conversations, -Infinity, Infinity)),
    series: expectedBuckets(from, to, interval, timeZone).map(({ start, end }) => ({
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      ...expectedMetrics(within(messages, start, end), within(conversations, start, end)),
    })),
  };
}
