import { timingSafeEqual, createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { SHUTTING_DOWN } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { sendData, sendError } from '../rest/envelope.js';

export type ReadinessCheck = () => Promise<Record<string, 'ok' | 'unavailable'>>;

/**
 * Shared, mutable. `draining`: SIGTERM was received; readiness fails so load balancers stop
 * sending traffic, and requests are still served (SHUTDOWN_DELAY_MS). `shuttingDown`: new
 * requests are turned away and the listener is closed.
 */
export type LifecycleState = { shuttingDown: boolean; draining?: boolean };

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** /healthz (the process answers) and /readyz (it can serve: database, Redis, not stopping). */
export function healthRouter(state: LifecycleState, checks: ReadinessCheck): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => sendData(res, 200, { status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    if (state.shuttingDown || state.draining) {
      sendError(res, SHUTTING_DOWN);
      return;
    }
    const results = await withTimeout(checks(), 3_000).catch(() => ({ database: 'unavailable' as const }));
    if (Object.values(results).every((r) => r === 'ok')) {
      sendData(res, 200, { status: 'ready', checks: results });
    } else {
      sendError(res, { code: 'SERVICE_UNAVAILABLE', message: 'A dependency is unavailable', details: { checks: results } });
    }
  });
  return router;
}

function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Prometheus exposition, optionally behind `Authorization: Bearer <METRICS_TOKEN>`. */
export function metricsHandler(metrics: Metrics, token: string | undefined) {
  return async (req: Request, res: Response): Promise<void> => {
    if (token) {
      const presented = /^Bearer (.+)$/i.exec(req.get('Authorization') ?? '')?.[1] ?? '';
      if (!sameSecret(presented, token)) {
        res.set('WWW-Authenticate', 'Bearer');
        sendError(res, { code: 'UNAUTHORIZED', message: 'Metrics need the metrics token', details: {} });
        return;
      }
    }
    const { contentType, body } = await metrics.render();
    res.set('Content-Type', contentType).send(body);
  };
}
