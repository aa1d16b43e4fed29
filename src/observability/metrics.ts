import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { matchedRoute } from '../http/request-context.js';

/** Prometheus metrics of one OrionOS instance (a registry of its own, not prom-client's global). */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'orion_http_request_duration_seconds',
    help: 'HTTP requests by route pattern, method and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly modelDuration = new Histogram({
    name: 'orion_model_request_duration_seconds',
    help: 'Model calls by provider and outcome (ok, or the error code).',
    labelNames: ['provider', 'outcome'] as const,
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly modelTokens = new Counter({
    name: 'orion_model_tokens_total',
    help: 'Tokens used by model calls, by provider and direction (input, output).',
    labelNames: ['provider', 'direction'] as const,
    registers: [this.registry],
  });

  readonly rateLimitRejections = new Counter({
    name: 'orion_rate_limit_rejections_total',
    help: 'Requests refused by the rate limiter, by who was limited (account, address).',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });

  readonly quotaRejections = new Counter({
    name: 'orion_quota_rejections_total',
    help: 'Messages refused because the monthly quota was used up.',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'orion_' });
  }

  /** Times every request; the route label is the matched pattern, never the raw path. */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const stop = this.httpDuration.startTimer();
      res.once('finish', () => {
        // Unmatched paths share one label: raw paths would make the label set unbounded.
        const route = matchedRoute(req) ?? 'unmatched';
        stop({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }

  recordModelCall(provider: string, outcome: string, seconds: number, tokens?: { input: number; output: number }): void {
    this.modelDuration.observe({ provider, outcome }, seconds);
    if (tokens) {
      this.modelTokens.inc({ provider, direction: 'input' }, tokens.input);
      this.modelTokens.inc({ provider, direction: 'output' }, tokens.output);
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
