import type { PrismaClient } from '../../db/client.js';
import { firstIdAt } from '../../ids.js';

/** How long events, their deliveries and attempts are kept once nothing is pending. */
export const WEBHOOK_EVENT_RETENTION_MS = 30 * 24 * 3600 * 1000;

const BATCH = 1_000;

/**
 * Deletes events made before `before` that have no delivery still pending (their deliveries and
 * attempts go with them), a batch at a time so no statement holds many locks. Answers how many.
 */
export async function deleteOldWebhookEvents(prisma: PrismaClient, before: Date): Promise<number> {
  const bound = firstIdAt('evt', before);
  let deleted = 0;
  for (;;) {
    const old = await prisma.webhookEvent.findMany({
      where: { id: { lt: bound }, deliveries: { none: { status: 'pending' } } },
      select: { id: true },
      orderBy: { id: 'asc' },
      take: BATCH,
    });
    if (old.length === 0) return deleted;
    const { count } = await prisma.webhookEvent.deleteMany({
      where: { id: { in: old.map((e) => e.id) }, deliveries: { none: { status: 'pending' } } },
    });
    deleted += count;
    if (old.length < BATCH) return deleted;
  }
}
