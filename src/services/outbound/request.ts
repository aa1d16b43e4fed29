import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { AddressRefused, resolveHost, type ResolvedHost } from './addresses.js';

/** What an outbound request may read of an answer. */
export const OUTBOUND_MAX_RESPONSE_BYTES = 64 * 1024;

export const OUTBOUND_USER_AGENT = 'OrionOS';

export type OutboundFailure =
  /** Not an http(s) URL. */
  | 'invalid_url'
  /** The host is (or resolves to) an address outbound requests may not reach. */
  | 'refused'
  | 'timeout'
  /** The answer was a redirect: outbound requests follow none. */
  | 'redirect'
  /** The answer was longer than the limit. */
  | 'too_large'
  /** DNS, connection or protocol failure. */
  | 'network';

export class OutboundError extends Error {
  constructor(
    readonly failure: OutboundFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export type OutboundOptions = {
  /** The operator's ORION_ALLOW_PRIVATE_NETWORKS: private, loopback and link-local targets allowed. */
  allowPrivateNetworks: boolean;
  /** For everything: resolving, connecting, sending, reading the whole answer. */
  timeoutMs: number;
  maxResponseBytes?: number;
  signal?: AbortSignal;
};

export type OutboundResponse = { status: number; contentType: string | undefined; body: Buffer };

/** A `lookup` that answers the address already checked, so the connection goes exactly there. */
export function pinned(target: ResolvedHost): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as LookupFunction;
}

/** The URL as an http(s) target; OutboundError `invalid_url` otherwise. */
export function outboundTarget(url: string | URL): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new OutboundError('invalid_url', 'The URL is not valid');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new OutboundError('invalid_url', 'Only http and https URLs can be called');
  }
  return target;
}

/**
 * The address to connect to for `target` under the outbound rules (see resolveHost), or an
 * OutboundError: `refused`, `network`, or whatever `aborted` rejects with first.
 */
export async function checkedAddress(target: URL, allowPrivateNetworks: boolean, aborted: Promise<never>): Promise<ResolvedHost> {
  try {
    return await Promise.race([resolveHost(target.hostname, allowPrivateNetworks), aborted]);
  } catch (error) {
    if (error instanceof OutboundError) throw error;
    if (error instanceof AddressRefused) throw new OutboundError('refused', error.message);
    throw new OutboundError('network', `Could not resolve ${target.hostname}`);
  }
}

/**
 * POSTs `body` to `url` under the outbound rules: the host's addresses are checked after DNS
 * resolution (see resolveHost) and the connection is pinned to the checked address; no
 * redirect is followed (a 3xx is an error); at most `maxResponseBytes` are read (more is an
 * error, and the connection is dropped); everything within `timeoutMs`. Any other HTTP status
 * is returned, with its body, for the caller to judge. Rejects with an OutboundError only.
 */
export async function outboundPost(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: OutboundOptions,
): Promise<OutboundResponse> {
  const target = outboundTarget(url);
  const maxBytes = options.maxResponseBytes ?? OUTBOUND_MAX_RESPONSE_BYTES;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const timedOut = () => new OutboundError('timeout', `No complete answer within ${options.timeoutMs} ms`);

  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(timedOut());
    signal.addEventListener('abort', () => reject(timedOut()), { once: true });
  });
  aborted.catch(() => {});

  const address = await checkedAddress(target, options.allowPrivateNetworks, aborted);

  const client = target.protocol === 'https:' ? https : http;
  const payload = Buffer.from(body, 'utf8');
  return new Promise<OutboundResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: OutboundError) => {
      if (settled) return;
      settled = true;
      request.destroy();
      reject(error);
    };
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { 'user-agent': OUTBOUND_USER_AGENT, ...headers, 'content-length': String(payload.length) },
        lookup: pinned(address),
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          return fail(new OutboundError('redirect', `The answer was a redirect (HTTP ${status}); redirects are not followed`, status));
        }
        const tooLarge = () => new OutboundError('too_large', `The answer is larger than ${maxBytes} bytes`, status);
        const declared = Number(response.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) return fail(tooLarge());
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) return fail(tooLarge());
          chunks.push(chunk);
        });
        response.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({ status, contentType: response.headers['content-type'], body: Buffer.concat(chunks) });
        });
        response.on('error', () => fail(signal.aborted ? timedOut() : new OutboundError('network', 'The connection failed while reading the answer')));
      },
    );
    signal.addEventListener('abort', () => fail(timedOut()), { once: true });
    if (signal.aborted) return fail(timedOut());
    request.on('error', () => fail(signal.aborted ? timedOut() : new OutboundError('network', `Could not reach ${target.host}`)));
    request.end(payload);
  });
}
