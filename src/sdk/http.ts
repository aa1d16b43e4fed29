// The one place HTTP happens: headers, timeouts, typed errors, retries with exponential backoff,
// and Idempotency-Key on every POST (one per logical call, the same on each of its retries).
import {
  AgentUnavailableError,
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  OrionOSError,
  retryAfterSeconds,
} from './errors.js';
import type { ApiResponse, RequestOptions } from './types.js';

export const SDK_VERSION = '0.1.0';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type RequestSpec = {
  method: HttpMethod;
  /** Under the base URL, e.g. `/agents/agt_1/messages`. */
  path: string;
  query?: Record<string, string | number | null | undefined>;
  body?: unknown;
};

export type HttpSettings = {
  apiKey: string;
  baseUrl: string;
  maxRetries: number;
  timeoutMs: number;
  maxRetryDelayMs: number;
  fetch: typeof globalThis.fetch;
};

/** An answer whose status was a success, with its body not yet read (streams) or read (JSON). */
export type OpenResponse = {
  response: Response;
  /** Aborts the underlying request (ends a stream). */
  abort: () => void;
  /** Re-arms the timeout: for streams, it then measures silence between chunks. */
  armTimeout: () => void;
  disarmTimeout: () => void;
  /** The call is over: no more timeout, and the caller's signal is let go. */
  finish: () => void;
  /** Whether the request ended because the timeout fired, or the caller aborted. */
  timedOut: () => boolean;
  userAborted: () => boolean;
};

/**
 * A random UUID (v4). Node 18 has no global `crypto` (Node 19 added it), so there Math.random
 * fills one in: an idempotency key must be unique, not secret.
 */
export function randomUuid(): string {
  const webCrypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof webCrypto?.randomUUID === 'function') return webCrypto.randomUUID();
  const bytes = Array.from({ length: 16 }, () => Math.floor(Math.random() * 256));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** AGENT_UNAVAILABLE reasons that a retry cannot change. */
const PERMANENT_UNAVAILABILITY = new Set(['paused', 'provider_not_configured']);

/** Retried: rate limits (not quotas), unavailability that may pass, and failed connections. */
export function isRetryable(error: OrionOSError): boolean {
  if (error instanceof APIUserAbortError) return false;
  if (error instanceof APIConnectionError) return true;
  if (error.code === 'RATE_LIMIT_EXCEEDED' || error.code === 'SERVICE_UNAVAILABLE') return true;
  if (error instanceof AgentUnavailableError) return !PERMANENT_UNAVAILABILITY.has(error.reason ?? '');
  return false;
}

const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;

/**
 * How long to wait before retry number `retry` (0-based): what the server asked for (`Retry-After`
 * or `details.retryAfter`), capped, or else exponential backoff with jitter.
 */
export function retryDelayMs(error: OrionOSError, retry: number, maxDelayMs: number): number {
  const hinted = retryAfterSeconds(error);
  if (hinted !== undefined) return Math.min(hinted * 1000, maxDelayMs);
  const backoff = Math.min(INITIAL_BACKOFF_MS * 2 ** retry, MAX_BACKOFF_MS, maxDelayMs);
  return backoff * (0.75 + Math.random() * 0.25);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal | undefined, cause?: unknown): APIUserAbortError {
  return new APIUserAbortError({ code: 'ABORTED', message: 'The request was aborted', cause: cause ?? signal?.reason });
}

/** The data fields are readable on the envelope too, without showing up when it is serialized. */
export function toApiResponse<T>(data: T): ApiResponse<T> {
  const result = { success: true as const, data };
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    for (const key of Object.keys(data)) {
      if (key === 'success' || key === 'data') continue;
      Object.defineProperty(result, key, {
        get: () => (data as Record<string, unknown>)[key],
        enumerable: false,
        configurable: true,
      });
    }
  }
  return result as ApiResponse<T>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An API error envelope as a typed exception; anything else as INVALID_RESPONSE (or its status's code). */
export function errorFromAnswer(status: number, headers: Headers, text: string): OrionOSError {
  const body = parseJson(text) as { success?: unknown; error?: Record<string, unknown> } | undefined;
  const requestIdHeader = headers.get('x-request-id') ?? undefined;
  const error = body?.error;
  if (body?.success === false && error && typeof error['code'] === 'string') {
    return OrionOSError.from({
      code: error['code'],
      message: typeof error['message'] === 'string' ? error['message'] : `HTTP ${status}`,
      details:
        error['details'] && typeof error['details'] === 'object' ? (error['details'] as Record<string, unknown>) : {},
      requestId: typeof error['requestId'] === 'string' && error['requestId'] ? error['requestId'] : requestIdHeader,
      status,
      headers,
      body,
    });
  }
  // Not the API's envelope (a proxy in between?): a bare 429 or 503 still means "try again later".
  const code = status === 429 ? 'RATE_LIMIT_EXCEEDED' : status === 503 ? 'SERVICE_UNAVAILABLE' : 'INVALID_RESPONSE';
  const excerpt = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return OrionOSError.from({
    code,
    message: `Unexpected answer from the server (HTTP ${status})${excerpt ? `: ${excerpt}` : ''}`,
    status,
    headers,
    body: body ?? text,
    requestId: requestIdHeader,
  });
}

export class HttpClient {
  constructor(readonly settings: HttpSettings) {}

  url(path: string, query: RequestSpec['query'] = {}): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) params.set(name, String(value));
    }
    const search = params.toString();
    return `${this.settings.baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  /** A JSON call: resolves to the success envelope, or throws the typed error after any retries. */
  async request<T>(spec: RequestSpec, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.withRetries(spec, options, 'application/json', async (open) => {
      try {
        const text = await open.response.text();
        const body = parseJson(text) as { success?: unknown; data?: unknown } | undefined;
        if (body?.success !== true || !('data' in body)) {
          throw errorFromAnswer(open.response.status, open.response.headers, text);
        }
        return toApiResponse(body.data as T);
      } finally {
        open.finish();
      }
    });
  }

  /** Opens a stream (or a download): resolves once a success answer's headers are in (its body left to read). */
  openStream(spec: RequestSpec, options: RequestOptions = {}, accept = 'text/event-stream'): Promise<OpenResponse> {
    return this.withRetries(spec, options, accept, async (open) => {
      open.disarmTimeout();
      return open;
    });
  }

  /**
   * Sends the request, retrying what may be retried; `read` turns a success answer into the
   * result (errors it throws while reading, such as a dropped connection, are retried alike).
   */
  private async withRetries<R>(
    spec: RequestSpec,
    options: RequestOptions,
    accept: string,
    read: (open: OpenResponse) => Promise<R>,
  ): Promise<R> {
    const maxRetries = Math.max(0, Math.floor(options.maxRetries ?? this.settings.maxRetries));
    // One key per logical call: every retry of it carries the same, so the server runs it once.
    const idempotencyKey = spec.method === 'POST' ? (options.idempotencyKey ?? randomUuid()) : undefined;
    for (let retry = 0; ; retry++) {
      let error: OrionOSError;
      let open: OpenResponse | undefined;
      try {
        open = await this.send(spec, options, accept, idempotencyKey);
        if (open.response.ok) return await read(open);
        const text = await open.response.text();
        open.finish();
        error = errorFromAnswer(open.response.status, open.response.headers, text);
      } catch (caught) {
        open?.finish();
        error = this.asOrionError(caught, options.signal, open);
      }
      // Within one call the body never changes, so a conflict on a retry means an earlier attempt
      // (one whose answer was lost) is still running on the server: wait for it like for a 503.
      // One whose work was done but whose answer was lost in a crash will never answer: stop.
      const stillRunning = retry > 0 && error.code === 'IDEMPOTENCY_CONFLICT' && error.details['reason'] !== 'answer_lost';
      if (retry >= maxRetries || !(isRetryable(error) || stillRunning)) throw error;
      await sleep(retryDelayMs(error, retry, this.settings.maxRetryDelayMs), options.signal);
    }
  }

  private asOrionError(caught: unknown, signal: AbortSignal | undefined, open: OpenResponse | undefined): OrionOSError {
    if (caught instanceof OrionOSError) return caught;
    if (signal?.aborted || open?.userAborted()) return abortError(signal, caught);
    if (open?.timedOut() || (caught as Error)?.name === 'TimeoutError') {
      return new APITimeoutError({ code: 'TIMEOUT', message: 'The request timed out', cause: caught });
    }
    return new APIConnectionError({
      code: 'CONNECTION_ERROR',
      message: `Could not reach the OrionOS API: ${(caught as Error)?.message ?? String(caught)}`,
      cause: caught,
    });
  }

  private async send(
    spec: RequestSpec,
    options: RequestOptions,
    accept: string,
    idempotencyKey: string | undefined,
  ): Promise<OpenResponse> {
    const headers: Record<string, string> = {
      Accept: accept,
      Authorization: `Bearer ${this.settings.apiKey}`,
      'User-Agent': `orionos-sdk-js/${SDK_VERSION}`,
      ...(spec.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
      ...options.headers,
    };
    const timeoutMs = options.timeoutMs ?? this.settings.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    let userAborted = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const disarmTimeout = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    const armTimeout = () => {
      disarmTimeout();
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
    };
    const onUserAbort = () => {
      userAborted = true;
      controller.abort(options.signal?.reason);
    };
    if (options.signal?.aborted) throw abortError(options.signal);
    options.signal?.addEventListener('abort', onUserAbort, { once: true });
    const open: OpenResponse = {
      response: undefined as unknown as Response,
      abort: () => {
        userAborted = true;
        disarmTimeout();
        controller.abort();
      },
      armTimeout,
      disarmTimeout,
      finish: () => {
        disarmTimeout();
        options.signal?.removeEventListener('abort', onUserAbort);
      },
      timedOut: () => timedOut,
      userAborted: () => userAborted,
    };
    armTimeout();
    try {
      open.response = await this.settings.fetch(this.url(spec.path, spec.query), {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: controller.signal,
      });
      return open;
    } catch (caught) {
      open.finish();
      throw this.asOrionError(caught, options.signal, open);
    }
  }
}
