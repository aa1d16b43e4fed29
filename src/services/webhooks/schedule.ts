/** The production retry schedule: the waits after the 1st, 2nd, … failed attempt (8 attempts in all, ≈ 27.6 h). */
export const DEFAULT_RETRY_SCHEDULE_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 5 * 3600_000, 10 * 3600_000, 10 * 3600_000];

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3600_000, d: 86_400_000 } as const;

/** The longest single wait a schedule may hold (a week). */
const MAX_WAIT_MS = 7 * 86_400_000;
/** At most this many retries. */
const MAX_RETRIES = 50;

/**
 * Parses a schedule such as "5s,5m,30m,2h,5h,10h,10h" (units ms, s, m, h, d): at least one wait,
 * each from 1 ms to 7 days. Throws an Error saying what is wrong.
 */
export function parseRetrySchedule(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new Error('must be a comma-separated list of durations such as "5s,5m,30m,2h"');
  }
  if (parts.length > MAX_RETRIES) throw new Error(`must hold at most ${MAX_RETRIES} durations`);
  return parts.map((part) => {
    const match = /^(\d+)(ms|s|m|h|d)$/.exec(part);
    if (!match) throw new Error(`${JSON.stringify(part)} is not a duration (a whole number and ms, s, m, h or d, e.g. "5m")`);
    const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    if (ms < 1 || ms > MAX_WAIT_MS) throw new Error(`${JSON.stringify(part)} must be between 1ms and 7d`);
    return ms;
  });
}

/**
 * When the delivery is next attempted after its `attempt`-th attempt failed (1-based), or
 * undefined when the schedule is exhausted (the delivery has failed).
 */
export function nextAttemptAfter(schedule: readonly number[], attempt: number, failedAt: Date): Date | undefined {
  const wait = schedule[attempt - 1];
  return wait === undefined ? undefined : new Date(failedAt.getTime() + wait);
}
