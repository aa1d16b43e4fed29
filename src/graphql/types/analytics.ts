import {
  ANALYTICS_INTERVALS,
  ANALYTICS_LIMITS as L,
  accountAnalytics,
  agentAnalytics,
  type AccountAnalytics,
  type AgentAnalytics,
  type AnalyticsArgs,
  type AnalyticsBucket,
  type Metrics,
} from '../../services/analytics.js';
import { builder } from '../builder.js';
import { AccountRef } from './account.js';
import { AgentRef } from './agent.js';

const read = { scope: 'conversations:read' } as const;

const AnalyticsInterval = builder.enumType('AnalyticsInterval', {
  description: 'The length of a bucket of a series, in the requested time zone (weeks start on Monday).',
  values: {
    hour: { description: 'One bucket per hour.' },
    day: { description: 'One bucket per calendar day, midnight to midnight in the time zone.' },
    week: { description: 'One bucket per week, Monday 00:00 to Monday 00:00 in the time zone.' },
  } satisfies Record<(typeof ANALYTICS_INTERVALS)[number], { description: string }>,
});

const LatencyPercentiles = builder.objectRef<Metrics['latencyMs']>('LatencyPercentiles').implement({
  description: 'Latency of completed user turns, in milliseconds (percentile_cont: interpolated); null when there was none.',
  fields: (t) => ({
    p50: t.exposeFloat('p50', { nullable: true, description: 'The median: half the turns took at most this long; null without turns.' }),
    p95: t.exposeFloat('p95', { nullable: true, description: '95% of the turns took at most this long; null without turns.' }),
  }),
});

const AnalyticsMetrics = builder.interfaceRef<Metrics>('AnalyticsMetrics').implement({
  description: 'The metrics of a range or of one bucket of its series.',
  fields: (t) => ({
    messages: t.exposeInt('messages', { description: 'Messages (the users’ and the agents’) created in the range.' }),
    conversationsStarted: t.exposeInt('conversationsStarted', { description: 'Conversations created in the range.' }),
    activeUsers: t.exposeInt('activeUsers', {
      description: 'Distinct end users (userId) who sent a message (in totals: over the whole range, not a sum of buckets).',
    }),
    turns: t.exposeInt('turns', { description: 'User turns that completed or failed (pending ones are not counted).' }),
    failedTurns: t.exposeInt('failedTurns', { description: 'User turns that failed (the model or the provider failed).' }),
    errorRate: t.exposeFloat('errorRate', { nullable: true, description: 'The share of turns that failed, failedTurns ÷ turns (0–1); null without turns.' }),
    inputTokens: t.exposeFloat('inputTokens', {
      description: 'Input tokens of completed turns (a whole number; Float as it may exceed 2³¹).',
    }),
    outputTokens: t.exposeFloat('outputTokens', {
      description: 'Output tokens of completed turns (a whole number; Float as it may exceed 2³¹).',
    }),
    latencyMs: t.field({
      type: LatencyPercentiles,
      description: 'Percentiles of the latencyMs of completed user turns.',
      resolve: (m) => m.latencyMs,
    }),
    likes: t.exposeInt('likes', { description: 'Agent replies rated "like".' }),
    dislikes: t.exposeInt('dislikes', { description: 'Agent replies rated "dislike".' }),
    ratedTurns: t.exposeInt('ratedTurns', { description: 'Agent replies with a rating.' }),
    satisfaction: t.exposeFloat('satisfaction', { nullable: true, description: 'The share of rated replies that were liked, likes ÷ ratedTurns (0–1); null when none was rated.' }),
    toolCalls: t.exposeFloat('toolCalls', { description: 'Tool calls the agents’ replies made (a whole number).' }),
  }),
});

const AnalyticsTotals = builder.objectRef<Metrics>('AnalyticsTotals').implement({
  description: 'Metrics over the whole range.',
  interfaces: [AnalyticsMetrics],
});

const AnalyticsBucketRef = builder.objectRef<AnalyticsBucket>('AnalyticsBucket').implement({
  description:
    'Metrics of one bucket [start, end) of the series. The first bucket holds `from` and the last the instant before `to`: they may extend beyond the range, but count only what happened within it.',
  interfaces: [AnalyticsMetrics],
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'Start of the bucket (included).' }),
    end: t.expose('end', { type: 'DateTime', description: 'End of the bucket (excluded): the start of the next one.' }),
  }),
});

// biome-ignore lint: shared by two object types
const rangeFields = (t: any) => ({
  from: t.expose('from', { type: 'DateTime', description: 'Start of the range (included).' }),
  to: t.expose('to', { type: 'DateTime', description: 'End of the range (excluded).' }),
  interval: t.field({ type: AnalyticsInterval, description: 'The length of each bucket of the series.', resolve: (a: AgentAnalytics) => a.interval }),
  timeZone: t.exposeString('timeZone', { description: 'The IANA time zone the buckets are in.' }),
  totals: t.field({ type: AnalyticsTotals, description: 'The metrics over the whole range.', resolve: (a: AgentAnalytics) => a.totals }),
  series: t.field({ type: [AnalyticsBucketRef], description: 'Every bucket of the range, in order, empty ones included.', resolve: (a: AgentAnalytics) => a.series }),
});

const AgentAnalyticsRef = builder.objectRef<AgentAnalytics>('AgentAnalytics').implement({
  description: 'Conversation analytics of one agent over a time range.',
  fields: (t) => ({ agentId: t.exposeID('agentId', { description: 'The agent (`agt_…`).' }), ...rangeFields(t) }),
});

const AgentAnalyticsSummary = builder
  .objectRef<AccountAnalytics['agents'][number]>('AgentAnalyticsSummary')
  .implement({
    description: 'One agent’s share of the account’s analytics.',
    fields: (t) => ({
      agentId: t.exposeID('agentId', { description: 'The agent (`agt_…`).' }),
      name: t.exposeString('name', { description: 'The agent’s name now.' }),
      totals: t.field({ type: AnalyticsTotals, description: 'The agent’s metrics over the whole range.', resolve: (a) => a.totals }),
    }),
  });

const AccountAnalyticsRef = builder.objectRef<AccountAnalytics>('AccountAnalytics').implement({
  description: 'Conversation analytics of the whole account over a time range.',
  fields: (t) => ({
    ...rangeFields(t),
    agents: t.field({
      type: [AgentAnalyticsSummary],
      description: 'The agents with activity in the range and their totals, most messages first.',
      resolve: (a) => a.agents,
    }),
  }),
});

// biome-ignore lint: shared by two fields
const analyticsArgs = (arg: any) => ({
  from: arg({ type: 'DateTime', description: `Start of the range (included); default \`to\` minus ${L.defaultRangeDays} days.` }),
  to: arg({ type: 'DateTime', description: 'End of the range (excluded); default now.' }),
  interval: arg({ type: AnalyticsInterval, description: 'Bucket length; default day.' }),
  timeZone: arg.string({ description: 'IANA time zone of the buckets, e.g. Europe/Berlin; default UTC.' }),
});

const BOUNDS = `The range is at most ${L.maxRangeDays} days and ${L.maxBuckets} buckets (400 INVALID_REQUEST beyond).`;

builder.objectFields(AgentRef, (t) => ({
  analytics: t.field({
    type: AgentAnalyticsRef,
    description: `The agent's conversation analytics: totals and a gap-free series. ${BOUNDS}`,
    authScopes: read,
    args: analyticsArgs(t.arg),
    resolve: (agent, args, ctx) => agentAnalytics(ctx.prisma, agent, args as AnalyticsArgs),
  }),
}));

builder.objectFields(AccountRef, (t) => ({
  analytics: t.field({
    type: AccountAnalyticsRef,
    description: `The account's conversation analytics, with a per-agent breakdown. ${BOUNDS}`,
    authScopes: read,
    args: analyticsArgs(t.arg),
    resolve: (account, args, ctx) => accountAnalytics(ctx.prisma, account.id, args as AnalyticsArgs),
  }),
}));
