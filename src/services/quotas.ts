import type { PrismaClient } from '../db/client.js';
import type { Account, Prisma } from '../db/generated/prisma/client.js';
import { ApiError } from '../errors.js';
import { effectiveLimits } from './tiers.js';
import { recordEvent } from './webhooks/outbox.js';

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

/** The usage as REST returns it (Account.messageUsage, fragment AccountWithUsageFields in src/rest/operations/accounts.graphql). */
export function messageUsageResource(usage: MessageUsageView) {
  return { period: usage.period, used: usage.used, quota: usage.quota, resetsAt: usage.resetsAt.toISOString() };
}

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
export async function reserveMessage(db: Db, account: Account, at: Date): Promise<MessageUsageView> {
  const { period, resetsAt } = quotaPeriod(at);
  const quota = effectiveLimits(account).monthlyMessageQuota;
  const key = { accountId: account.id, period };
  // RETURNING the new count: the quota.threshold events need it, and it costs no statement more.
  const take = async () =>
    (
      await db.messageUsage.updateManyAndReturn({
        where: { ...key, used: { lt: quota } },
        data: { used: { increment: 1 } },
        select: { used: true },
      })
    )[0];
  let taken = await take();
  if (!taken) {
    // The month's row may not exist yet (or was created a moment ago by a concurrent send).
    await db.messageUsage.createMany({ data: [key], skipDuplicates: true });
    taken = await take();
  }
  if (!taken) {
    const used = (await db.messageUsage.findUnique({ where: { accountId_period: key } }))?.used ?? quota;
    throw new ApiError(
      'INSUFFICIENT_QUOTA',
      `The monthly message quota of ${quota} is used up; it resets at ${resetsAt.toISOString()}`,
      { quota, used, resetsAt: resetsAt.toISOString() },
    );
  }
  return { period, used: taken.used, quota, resetsAt };
}

/** The quota.threshold events: at 80% and at 100% of the monthly quota. */
export const QUOTA_THRESHOLDS = [80, 100] as const;

/** The thresholds (percent of the quota) that taking the message that made `used` crossed. */
export function thresholdsCrossed(used: number, quota: number): number[] {
  return QUOTA_THRESHOLDS.filter((percent) => used * 100 >= percent * quota && (used - 1) * 100 < percent * quota);
}

/**
 * Records quota.threshold for each threshold the reservation that made `usage` crossed, once per
 * threshold a month: a refunded turn (see refundMessage) lowers the count, and the next send
 * crosses the same threshold again. Data: REST has no field for the threshold, so the event
 * carries `{threshold: 80 | 100, messageUsage}`, `messageUsage` exactly as REST returns the
 * account's (GET /v1/accounts/{id}, GraphQL viewer.messageUsage) right after the reservation.
 * Only a send that crosses a threshold, for an account subscribed to the type, reads anything.
 */
export async function recordQuotaThresholds(
  tx: Prisma.TransactionClient,
  accountId: string,
  usage: MessageUsageView,
): Promise<void> {
  for (const threshold of thresholdsCrossed(usage.used, usage.quota)) {
    const recorded = await tx.webhookEvent.findFirst({
      where: {
        accountId,
        type: 'quota.threshold',
        AND: [
          { data: { path: ['threshold'], equals: threshold } },
          { data: { path: ['messageUsage', 'period'], equals: usage.period } },
        ],
      },
      select: { id: true },
    });
    if (recorded) continue;
    await recordEvent(tx, {
      accountId,
      type: 'quota.threshold',
      data: () => ({ threshold, messageUsage: messageUsageResource(usage) }),
    });
  }
}

/** Gives one message back to an account's quota for the month `period` (a send that got no answer). */
export async function refundMessage(db: Db, accountId: string, period: string): Promise<void> {
  await db.messageUsage.updateMany({ where: { accountId, period, used: { gt: 0 } }, data: { used: { decrement: 1 } } });
}
