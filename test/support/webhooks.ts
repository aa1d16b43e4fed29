// A webhook receiver for tests: a real HTTP server on loopback that verifies every delivery with
// the `standardwebhooks` library (independently of OrionOS's own signing), records each one
// (verified or not, and why), and answers what it is told to.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { bearer, type TestApp } from './app.js';

export type ReceivedDelivery = {
  /** webhook-id: the event's ID. */
  id: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The parsed body when it is JSON. */
  payload: any;
  /** Whether the library verified it with one of the receiver's secrets. */
  verified: boolean;
  /** The library's error when it did not. */
  error?: string;
  /** For each secret (in the order given), whether the library verifies the delivery with that one alone. */
  verifiedBy: boolean[];
  /** What the receiver answered. */
  status: number;
  at: number;
};

export type ReceiverOptions = {
  /** The secrets deliveries must be signed with (any one verifies); settable later with setSecrets. */
  secrets?: string[];
  /** Statuses to answer, in order, one per request; then `status`. */
  statuses?: number[];
  /** Answered once `statuses` is used up (default 200). */
  status?: number;
  /** How long to wait before answering. */
  delayMs?: number;
  /** Answer 401 to deliveries that do not verify (default: answer as told anyway). */
  rejectUnverified?: boolean;
};

export type WebhookReceiver = {
  url: string;
  port: number;
  received: ReceivedDelivery[];
  setSecrets(secrets: string[]): void;
  /** Changes what is answered from now on. */
  answer(options: Pick<ReceiverOptions, 'statuses' | 'status' | 'delayMs'>): void;
  /** Resolves once `count` deliveries matching `filter` have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, filter?: (d: ReceivedDelivery) => boolean, timeoutMs?: number): Promise<ReceivedDelivery[]>;
  /** Verifies a request the way the receiver does, with the given secret (the library's verdict). */
  verifyWith(secret: string, delivery: Pick<ReceivedDelivery, 'headers' | 'body'>): { ok: boolean; error?: string };
  close(): Promise<void>;
};

function verify(secret: string, headers: http.IncomingHttpHeaders, body: string): { ok: boolean; error?: string } {
  try {
    new Webhook(secret).verify(body, {
      'webhook-id': String(headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(headers['webhook-signature'] ?? ''),
    });
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

export async function startWebhookReceiver(options: ReceiverOptions = {}): Promise<WebhookReceiver> {
  let secrets = options.secrets ?? [];
  let statuses = [...(options.statuses ?? [])];
  let fallback = options.status ?? 200;
  let delayMs = options.delayMs ?? 0;
  const received: ReceivedDelivery[] = [];
  const waiters = new Set<() => void>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verdicts = secrets.map((s) => verify(s, req.headers, body));
      const verified = verdicts.some((v) => v.ok);
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        payload = undefined;
      }
      const status = options.rejectUnverified && !verified ? 401 : (statuses.shift() ?? fallback);
      const record: ReceivedDelivery = {
        id: String(req.headers['webhook-id'] ?? ''),
        headers: req.headers,
        body,
        payload,
        verified,
        error: verified ? undefined : (verdicts[0]?.error ?? 'no secret to verify with'),
        verifiedBy: verdicts.map((v) => v.ok),
        status,
        at: Date.now(),
      };
      const reply = () => {
        received.push(record);
        for (const wake of waiters) wake();
        res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
      };
      if (delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    setSecrets(next) {
      secrets = next;
    },
    answer(next) {
      if (next.statuses) statuses = [...next.statuses];
      if (next.status !== undefined) fallback = next.status;
      if (next.delayMs !== undefined) delayMs = next.delayMs;
    },
    waitFor(count, filter = () => true, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = received.filter(filter);
          if (matching.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(matching);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waited ${timeoutMs} ms for ${count} deliveries; ${received.filter(filter).length} arrived`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    verifyWith: (secret, delivery) => verify(secret, delivery.headers, delivery.body),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Subscribes a new endpoint of the account to `events` at `url` with POST /v1/webhooks (the app
 * must allow private networks for a loopback URL); answers its ID and secret.
 */
export async function subscribe(
  app: TestApp,
  accountId: string,
  url: string,
  events: string[] = ['*'],
): Promise<{ id: string; secret: string }> {
  const key = await app.keyWithScopes(accountId, ['webhooks:manage']);
  const res = await app.http.post('/v1/webhooks').set(bearer(key)).send({ url, events });
  if (res.status !== 201) throw new Error(`POST /v1/webhooks answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { id: res.body.data.webhook.id, secret: res.body.data.secret };
}
