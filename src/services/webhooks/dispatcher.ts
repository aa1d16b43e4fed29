import type { PrismaClient } from '../../db/client.js';
import type { Prisma } from '../../db/generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import { OutboundError, outboundPost } from '../outbound/request.js';
import { nextAttemptAfter } from './schedule.js';
import type { DispatchSettings } from './settings.js';

export { DEFAULT_DISPATCH_SETTINGS, type DispatchSettings } from './settings.js';
import { signingSecretsOf } from './secrets.js';
import { eventBody, signDelivery } from './signing.js';
import { failPendingDeliveries } from './endpoints.js';

export type DispatcherDeps = {
  prisma: PrismaClient;
  serverKey: string | undefined;
  allowPrivateNetworks: boolean;
  logger: Logger;
  settings: DispatchSettings;
  /**
   * Subscribes to the announcements of committed events (database NOTIFY, see outbox.ts), from
   * this instance and the others; without it, events wait for the next poll.
   */
  listen?: (onEvent: () => void) => Promise<() => Promise<void>>;
};

/** A claimed delivery, with its event and endpoint. */
type Claimed = {
  id: string;
  attemptCount: number;
  /** The lease: the claim holds while the delivery's nextAttemptAt is still this. */
  nextAttemptAt: Date;
  eventId: string;
  eventType: string;
  eventCreatedAt: Date;
  eventData: unknown;
  endpointId: string;
  url: string;
  enabled: boolean;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
};

type Outcome =
  | { kind: 'succeeded'; statusCode: number }
  | { kind: 'gone'; statusCode: number; error: string }
  | { kind: 'failed'; statusCode: number | null; error: string };

type Tx = Prisma.TransactionClient;

/** Waits `ms`, or less if one of the signals aborts. */
const sleep = (ms: number, signals: AbortSignal[]) =>
  new Promise<void>((resolve) => {
    if (signals.some((s) => s.aborted)) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', done);
      resolve();
    }
    for (const s of signals) s.addEventListener('abort', done, { once: true });
  });

/**
 * Delivers webhook events. Every instance runs one: it claims due deliveries (a lease taken with
 * FOR UPDATE SKIP LOCKED, so instances never claim the same one), sends each as a signed POST
 * under the outbound rules, and records the attempt with its outcome in one transaction that
 * holds only if the claim is still its own. An instance that dies leaves its claims to run again
 * once their lease is over: at least once, and no duplicates in normal operation.
 */
export class WebhookDispatcher {
  private readonly inflight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  /** Aborts attempts still running when stop's bound is over (their deliveries run again after the lease). */
  private readonly abandon = new AbortController();
  private wakeUp = new AbortController();
  private loop: Promise<void> | undefined;
  private unlisten: Promise<(() => Promise<void>) | undefined> | undefined;

  constructor(private readonly deps: DispatcherDeps) {}

  get settings(): DispatchSettings {
    return this.deps.settings;
  }

  start(): void {
    if (this.loop) return;
    // Announced events are delivered at once; the poll finds the rest (due retries, and events
    // announced while the listener was reconnecting).
    this.unlisten = this.deps.listen?.(() => this.wake()).catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'could not listen for webhook events; delivering at each poll');
      return undefined;
    });
    this.loop = this.run();
  }

  /** Looks for due deliveries now rather than at the next poll. */
  wake(): void {
    this.wakeUp.abort();
  }

  /**
   * Claims nothing more, and waits up to `boundMs` for the attempts in flight to be recorded;
   * those still running then are dropped unrecorded and run again after their lease.
   */
  async stop(boundMs = this.deps.settings.timeoutMs): Promise<void> {
    this.stopping.abort();
    await (await this.unlisten)?.();
    this.wakeUp.abort();
    await this.loop;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, boundMs);
    });
    await Promise.race([Promise.allSettled([...this.inflight]), bound]);
    clearTimeout(timer);
    if (this.inflight.size) {
      this.abandon.abort();
      await Promise.allSettled([...this.inflight]);
    }
  }

  private async run(): Promise<void> {
    const { settings, logger } = this.deps;
    while (!this.stopping.signal.aborted) {
      const free = settings.concurrency - this.inflight.size;
      if (free <= 0) {
        await Promise.race(this.inflight);
        continue;
      }
      // A wake-up from now on (while claiming) means: claim again rather than sleep.
      if (this.wakeUp.signal.aborted) this.wakeUp = new AbortController();
      let claimed: Claimed[];
      try {
        claimed = await this.claim(free);
      } catch (error) {
        if (!this.stopping.signal.aborted) logger.warn({ err: error }, 'could not claim webhook deliveries');
        claimed = [];
      }
      for (const claim of claimed) this.track(this.attempt(claim));
      // As many as could be taken were due: there may be more.
      if (claimed.length === free) continue;
      await sleep(settings.pollIntervalMs, [this.wakeUp.signal, this.stopping.signal]);
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'webhook delivery attempt failed unexpectedly'))
      .finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
  }

  /** Takes up to `limit` due deliveries for one lease, with what sending them needs: one statement. */
  private async claim(limit: number): Promise<Claimed[]> {
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + this.deps.settings.leaseMs);
    return this.deps.prisma.$queryRaw<Claimed[]>`
      WITH claimed AS (
        UPDATE "WebhookDelivery" SET "nextAttemptAt" = ${leaseUntil}, "updatedAt" = ${now}
        WHERE "id" IN (
          SELECT "id" FROM "WebhookDelivery"
          WHERE "status" = 'pending' AND "nextAttemptAt" <= ${now}
          ORDER BY "nextAttemptAt"
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        )
        RETURNING "id", "attemptCount", "nextAttemptAt", "endpointId", "eventId"
      )
      SELECT c."id", c."attemptCount", c."nextAttemptAt",
        e."id" AS "eventId", e."type" AS "eventType", e."createdAt" AS "eventCreatedAt", e."data" AS "eventData",
        w."id" AS "endpointId", w."url", w."enabled", w."secret", w."previousSecret", w."previousSecretExpiresAt"
      FROM claimed c
      JOIN "WebhookEvent" e ON e."id" = c."eventId"
      JOIN "WebhookEndpoint" w ON w."id" = c."endpointId"`;
  }

  private async attempt(claim: Claimed): Promise<void> {
    const { prisma, settings } = this.deps;
    const event = { id: claim.eventId, type: claim.eventType, createdAt: claim.eventCreatedAt, data: claim.eventData };
    const endpoint = {
      id: claim.endpointId,
      url: claim.url,
      secret: claim.secret,
      previousSecret: claim.previousSecret,
      previousSecretExpiresAt: claim.previousSecretExpiresAt,
    };
    if (!claim.enabled) {
      await this.settle(claim, { status: 'failed', nextAttemptAt: null });
      return;
    }
    const number = claim.attemptCount + 1;
    const at = new Date();
    const started = performance.now();
    const outcome = await this.send(event, endpoint, at);
    if (this.abandon.signal.aborted) return;
    const latencyMs = Math.round(performance.now() - started);
    const endpointId = endpoint.id;
    const recordedAt = new Date();
    if (outcome.kind === 'succeeded') {
      await this.recordSuccess(claim, number, at, outcome.statusCode, latencyMs, recordedAt);
      return;
    }
    const attempt = { deliveryId: claim.id, number, at, statusCode: outcome.statusCode, latencyMs, error: outcome.error };
    await prisma.$transaction(async (tx) => {
      let next: { status: 'pending' | 'failed'; nextAttemptAt: Date | null };
      if (outcome.kind === 'gone') next = { status: 'failed', nextAttemptAt: null };
      else {
        const retryAt = nextAttemptAfter(settings.retryScheduleMs, number, recordedAt);
        next = retryAt ? { status: 'pending', nextAttemptAt: retryAt } : { status: 'failed', nextAttemptAt: null };
      }
      const kept = await this.settle(claim, { ...next, attemptCount: number }, tx);
      if (!kept) return;
      await tx.webhookAttempt.create({ data: attempt });
      if (outcome.kind === 'gone') {
        await disableEndpoint(tx, endpointId, 'endpoint_gone', recordedAt);
      } else {
        await tx.webhookEndpoint.updateMany({ where: { id: endpointId, failingSince: null }, data: { failingSince: at } });
        const failingFor = new Date(recordedAt.getTime() - settings.disableAfterFailingMs);
        await disableEndpoint(tx, endpointId, 'failing', recordedAt, { failingSince: { lt: failingFor } });
      }
    });
  }

  /**
   * The common case in one statement: the delivery succeeded (if the claim still holds), its
   * attempt recorded, the endpoint's run of failures ended.
   */
  private async recordSuccess(claim: Claimed, number: number, at: Date, statusCode: number, latencyMs: number, recordedAt: Date): Promise<void> {
    const rows = await this.deps.prisma.$queryRaw<{ id: string }[]>`
      WITH delivered AS (
        UPDATE "WebhookDelivery"
        SET "status" = 'succeeded', "attemptCount" = ${number}, "nextAttemptAt" = NULL, "updatedAt" = ${recordedAt}
        WHERE "id" = ${claim.id} AND "status" = 'pending' AND "nextAttemptAt" = ${claim.nextAttemptAt}
        RETURNING "id", "endpointId"
      ),
      attempt AS (
        INSERT INTO "WebhookAttempt" ("deliveryId", "number", "at", "statusCode", "latencyMs", "error")
        SELECT "id", ${number}, ${at}, ${statusCode}, ${latencyMs}, NULL FROM delivered
      ),
      recovered AS (
        UPDATE "WebhookEndpoint" SET "failingSince" = NULL
        WHERE "id" IN (SELECT "endpointId" FROM delivered) AND "failingSince" IS NOT NULL
      )
      SELECT "id" FROM delivered`;
    if (!rows.length) this.deps.logger.warn({ deliveryId: claim.id }, 'a webhook delivery claim ran out before its attempt was recorded');
  }

  /**
   * Updates the delivery if this instance's claim still holds (its lease is the delivery's
   * nextAttemptAt); answers whether it did.
   */
  private async settle(
    claim: Claimed,
    data: { status: 'pending' | 'succeeded' | 'failed'; nextAttemptAt: Date | null; attemptCount?: number },
    db: Tx | PrismaClient = this.deps.prisma,
  ): Promise<boolean> {
    const updated = await db.webhookDelivery.updateMany({
      where: { id: claim.id, status: 'pending', nextAttemptAt: claim.nextAttemptAt },
      data,
    });
    if (!updated.count) this.deps.logger.warn({ deliveryId: claim.id }, 'a webhook delivery claim ran out before its attempt was recorded');
    return updated.count > 0;
  }

  private async send(
    event: { id: string; type: string; createdAt: Date; data: unknown },
    endpoint: { id: string; url: string; secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null },
    at: Date,
  ): Promise<Outcome> {
    const { serverKey, settings, allowPrivateNetworks } = this.deps;
    const secrets = serverKey ? signingSecretsOf(serverKey, endpoint, at) : [];
    if (secrets.length === 0) return { kind: 'failed', statusCode: null, error: 'signing: the endpoint secret cannot be opened with this server key' };
    const request = signDelivery(event.id, eventBody(event), secrets, at);
    try {
      const response = await outboundPost(endpoint.url, request.body, request.headers, {
        allowPrivateNetworks,
        timeoutMs: settings.timeoutMs,
        signal: this.abandon.signal,
      });
      if (response.status >= 200 && response.status < 300) return { kind: 'succeeded', statusCode: response.status };
      if (response.status === 410) return { kind: 'gone', statusCode: 410, error: 'status 410: endpoint gone' };
      return { kind: 'failed', statusCode: response.status, error: `status ${response.status}` };
    } catch (error) {
      if (error instanceof OutboundError) {
        return { kind: 'failed', statusCode: error.status ?? null, error: error.failure === 'timeout' ? 'timeout' : `${error.failure}: ${error.message}` };
      }
      throw error;
    }
  }
}

/** Disables an enabled endpoint (OrionOS's reason; `only`: further conditions it must meet) and fails its pending deliveries. */
export async function disableEndpoint(
  tx: Tx,
  endpointId: string,
  reason: 'endpoint_gone' | 'failing',
  at: Date,
  only: Prisma.WebhookEndpointWhereInput = {},
): Promise<void> {
  const disabled = await tx.webhookEndpoint.updateMany({
    where: { ...only, id: endpointId, enabled: true },
    data: { enabled: false, disabledReason: reason, disabledAt: at },
  });
  if (disabled.count) await failPendingDeliveries(tx, endpointId, at);
}
