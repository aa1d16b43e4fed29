// Conversation analytics: one method per route of src/rest/routes.ts.
import type { HttpClient } from './http.js';
import type { AccountAnalytics, AgentAnalytics, AnalyticsParams, ApiResponse, RequestOptions } from './types.js';

function rangeQuery(params: AnalyticsParams = {}): Record<string, string | undefined> {
  const instant = (value: Date | string | undefined) => (value instanceof Date ? value.toISOString() : value);
  return { from: instant(params.from), to: instant(params.to), interval: params.interval, timeZone: params.timeZone };
}

export class Analytics {
  constructor(private readonly http: HttpClient) {}

  /**
   * GET /analytics: the account's totals, series and per-agent breakdown. Defaults: the last
   * 7 days to now, by day, in UTC.
   */
  account(params?: AnalyticsParams, options?: RequestOptions): Promise<ApiResponse<AccountAnalytics>> {
    return this.http.request({ method: 'GET', path: '/analytics', query: rangeQuery(params) }, options);
  }

  /** GET /agents/{agentId}/analytics; NotFoundError (AGENT_NOT_FOUND) if it is not one of yours. */
  agent(agentId: string, params?: AnalyticsParams, options?: RequestOptions): Promise<ApiResponse<AgentAnalytics>> {
    if (typeof agentId !== 'string' || agentId === '') throw new TypeError('agentId must be a non-empty string');
    return this.http.request(
      { method: 'GET', path: `/agents/${encodeURIComponent(agentId)}/analytics`, query: rangeQuery(params) },
      options,
    );
  }
}
