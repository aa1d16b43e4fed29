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

/** The Prisma client, or the transaction client of `prisma.$transaction(async (tx) => ...)`. */
export type Db = Pick<PrismaClient, 'messageUsage'>;

/**
 * Takes one message from the account's monthly quota (the month `at` falls in), or throws
 * INSUFFICIENT_QUOTA. The check and the increment are one conditional UPDATE, so concurrent
 * sends can never overshoot. Called inside the transaction that stores the turn it pays for, so
 * a process that dies leaves both or neither (a pending turn's unit goes back at recovery).
 */
export async function reserveMessage(db: Db, account: Account, at: Date): Promise<void> {
  const { period, resetsAt } = quotaPeriod(at);
  const quota = effectiveLimits(account).monthlyMessageQuota;
  const key = { accountId: account.id, period };
  const take = () =>
    db.messageUsage.updateMany({ where: { ...key, used: { lt: quota } }, data: { used: { increment: 1 } } });
  let { count } = await take();
  if (count === 0) {
    // The month's row may not exist yet (or was created a moment ago by a concurrent send).
    await db.messageUsage.createMany({ data: [key], skipDuplicates: true });
    ({ count } = await take());
  }
  if (count === 0) {
    const used = (await db.messageUsage.findUnique({ where: { accountId_period: key } }))?.used ?? quota;
    throw new ApiError(
      'INSUFFICIENT_QUOTA',
      `The monthly message quota of ${quota} is used up; it resets at ${resetsAt.toISOString()}`,
      { quota, used, resetsAt: resetsAt.toISOString() },
    );
  }
}

/** Gives one message back to an account's quota for the month `period` (a send that got no answer). */
export async function refundMessage(db: Db, accountId: string, period: string): Promise<void> {
  await db.messageUsage.updateMany({ where: { accountId, period, used: { gt: 0 } }, data: { used: { decrement: 1 } } });
}
