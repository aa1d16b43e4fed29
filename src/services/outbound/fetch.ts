import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { checkedAddress, OUTBOUND_USER_AGENT, OutboundError, outboundTarget, pinned } from './request.js';

export type OutboundFetchOptions = {
  /** The operator's ORION_ALLOW_PRIVATE_NETWORKS. */
  allowPrivateNetworks: boolean;
  /** The most any one answer may hold; reading more fails the body with `too_large`. */
  maxResponseBytes: number;
};

/** The `fetch` signature libraries accept as an option (the MCP SDK's transports among them). */
export type OutboundFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function requestBody(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new OutboundError('network', 'Only string and byte request bodies can be sent');
}

/**
 * A `fetch` under the outbound rules, for libraries that speak HTTP themselves: the host is
 * checked after DNS resolution and the connection pinned to the checked address; redirects are
 * refused (OutboundError `redirect`); the answer streams (Server-Sent Events stay open) but a
 * body longer than `maxResponseBytes` fails with `too_large` and drops the connection. Time is
 * bounded by the caller's signal: aborting it drops the request or the streaming answer.
 */
export function outboundFetch(options: OutboundFetchOptions): OutboundFetch {
  return async (url, init = {}) => {
    const target = outboundTarget(url);
    const signal = init.signal ?? undefined;
    const abortedError = () => new OutboundError('timeout', 'The request was cancelled');
    let onAbortWhileResolving: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      if (signal?.aborted) reject(abortedError());
      onAbortWhileResolving = () => reject(abortedError());
      signal?.addEventListener('abort', onAbortWhileResolving, { once: true });
    });
    aborted.catch(() => {});
    let address;
    try {
      address = await checkedAddress(target, options.allowPrivateNetworks, aborted);
    } finally {
      // A session's signal serves many requests: each leaves no listener behind.
      if (onAbortWhileResolving) signal?.removeEventListener('abort', onAbortWhileResolving);
    }
    const payload = requestBody(init.body);
    const headers: Record<string, string> = { 'user-agent': OUTBOUND_USER_AGENT };
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    if (payload) headers['content-length'] = String(payload.length);

    const client = target.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      let answered = false;
      const request = client.request(
        target,
        { method: init.method ?? 'GET', headers, lookup: pinned(address), agent: false },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 300 && status < 400) {
            response.destroy();
            return reject(new OutboundError('redirect', `The answer was a redirect (HTTP ${status}); redirects are not followed`, status));
          }
          answered = true;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value === undefined) continue;
            for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, one);
          }
          if (NULL_BODY_STATUSES.has(status)) {
            response.resume();
            return resolve(new Response(null, { status, headers: responseHeaders }));
          }
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > options.maxResponseBytes) {
              response.destroy(new OutboundError('too_large', `The answer is larger than ${options.maxResponseBytes} bytes`, status));
            }
          });
          const body = Readable.toWeb(response) as ReadableStream<Uint8Array>;
          resolve(new Response(body, { status, headers: responseHeaders }));
        },
      );
      request.on('error', (error) => {
        if (answered) return;
        reject(error instanceof OutboundError ? error : new OutboundError('network', `Could not reach ${target.host}`));
      });
      const onAbort = () => {
        request.destroy(abortedError());
        if (!answered) reject(abortedError());
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('close', () => {
        // With the answer still streaming, an abort must still drop it (and its socket).
        if (!answered) signal?.removeEventListener('abort', onAbort);
      });
      request.on('response', (response) => response.on('close', () => signal?.removeEventListener('abort', onAbort)));
      request.end(payload);
    });
  };
}
