import { DEFAULT_RETRY_SCHEDULE_MS } from './schedule.js';

export type DispatchSettings = {
  /** Waits after the 1st, 2nd, … failed attempt; once exhausted the delivery has failed. */
  retryScheduleMs: number[];
  /** How often an idle dispatcher looks for due deliveries. */
  pollIntervalMs: number;
  /** Per attempt: connecting, sending, reading the answer. */
  timeoutMs: number;
  /** How long a claim holds; longer than timeoutMs, so a live claim never runs twice. */
  leaseMs: number;
  /** An endpoint whose attempts have all failed for longer than this is disabled ("failing"). */
  disableAfterFailingMs: number;
  /** Attempts in flight at once on this instance. */
  concurrency: number;
};

export const DEFAULT_DISPATCH_SETTINGS: DispatchSettings = {
  retryScheduleMs: DEFAULT_RETRY_SCHEDULE_MS,
  pollIntervalMs: 1_000,
  timeoutMs: 10_000,
  leaseMs: 60_000,
  disableAfterFailingMs: 3 * 86_400_000,
  concurrency: 32,
};
