import type { PrismaClient } from '../db/client.js';
import type { Account } from '../db/generated/prisma/client.js';
import { ApiError } from '../errors.js';
import { effectiveLimits } from './tiers.js';

/** The quota month (UTC) a moment falls in, and when the next one starts. */
export function quotaPeriod(now = new Date()): { period: string; resetsAt: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return {
    period: `${year}-${String(month + 1).padStart(2, '0')}`,
    resetsAt: new Date(Date.UTC(year, month + 1, 1)),
  };
}

export type MessageUsageView = { period: string; used: number; quota: number; resetsAt: Date };

export async function messageUsage(prisma: PrismaClient, account: Account, now = new Date()): Promise<MessageUsageView> {
  const { period, resetsAt } = quotaPeriod(now);
  const row = await prisma.messageUsage.findUnique({ where: { accountId_period: { accountId: account.id, period } } });
  return { period, used: row?.used ?? 0, quota: effectiveLimits(account).monthlyMessageQuota, resetsAt };
}

/**
 * Takes one message from the account's monthly quota, or throws INSUFFICIENT_QUOTA. The check
 * and the increment are one conditional UPDATE, so concurrent sends can never overshoot.
 * Returns a function that gives the message back (for a send that did not get an answer).
 */
export async function reserveMessage(prisma: PrismaClient, account: Account): Promise<() => Promise<void>> {
  const { period, resetsAt } = quotaPeriod();
  const quota = effectiveLimits(account).monthlyMessageQuota;
  const key = { accountId: account.id, period };
  const take = () =>
    prisma.messageUsage.updateMany({ where: { ...key, used: { lt: quota } }, data: { used: { increment: 1 } } });
  let { count } = await take();
  if (count === 0) {
    // The month's row may not exist yet (or was created a moment ago by a concurrent send).
    await prisma.messageUsage.createMany({ data: [key], skipDuplicates: true });
    ({ count } = await take());
  }
  if (count === 0) {
    const used = (await prisma.messageUsage.findUnique({ where: { accountId_period: key } }))?.used ?? quota;
    throw new ApiError(
      'INSUFFICIENT_QUOTA',
      `The monthly message quota of ${quota} is used up; it resets at ${resetsAt.toISOString()}`,
      { quota, used, resetsAt: resetsAt.toISOString() },
    );
  }
  let refunded = false;
  return async () => {
    if (refunded) return;
    refunded = true;
    await refundMessage(prisma, account.id, period);
  };
}

/** Gives one message back to an account's quota for the month `period` (a send that got no answer). */
export async function refundMessage(prisma: PrismaClient, accountId: string, period: string): Promise<void> {
  await prisma.messageUsage.updateMany({ where: { accountId, period, used: { gt: 0 } }, data: { used: { decrement: 1 } } });
}
