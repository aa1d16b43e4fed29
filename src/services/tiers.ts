import type { Tier } from '../db/generated/prisma/enums.js';

/** Tier defaults; an account's own `rateLimitPerMinute` / `monthlyMessageQuota` override them. */
export const TIER_DEFAULTS: Record<Tier, { rateLimitPerMinute: number; monthlyMessageQuota: number }> = {
  standard: { rateLimitPerMinute: 60, monthlyMessageQuota: 10_000 },
  pro: { rateLimitPerMinute: 300, monthlyMessageQuota: 100_000 },
  enterprise: { rateLimitPerMinute: 1_000, monthlyMessageQuota: 1_000_000 },
};

export function effectiveLimits(account: {
  tier: Tier;
  rateLimitPerMinute: number | null;
  monthlyMessageQuota: number | null;
}): { rateLimitPerMinute: number; monthlyMessageQuota: number } {
  const defaults = TIER_DEFAULTS[account.tier];
  return {
    rateLimitPerMinute: account.rateLimitPerMinute ?? defaults.rateLimitPerMinute,
    monthlyMessageQuota: account.monthlyMessageQuota ?? defaults.monthlyMessageQuota,
  };
}
