import { expect } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { GraphQLWebSockets } from '../../src/http/graphql-ws.js';
import { EventSourceParserStream } from 'eventsource-parser/stream';

export type SseEvent = { event: string | undefined; data: any };

/**
 * The app on a real loopback socket, for tests that read a real HTTP stream; with `websockets`,
 * GraphQL over WebSocket is served too (`wsUrl`).
 */
export async function listen(
  app: Express,
  websockets?: GraphQLWebSockets,
): Promise<{ url: string; wsUrl: string; server: Server; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    websockets?.attach(s);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        websockets?.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * POSTs and reads the answer as Server-Sent Events with a real SSE parser. `stopAfter` lets a
 * test walk away mid-stream (the connection is aborted, as a client that disconnects would).
 */
export async function postSse(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  options: { stopAfter?: (event: SseEvent, events: SseEvent[]) => boolean } = {},
): Promise<{ status: number; contentType: string; events: SseEvent[]; comments: string[]; json?: any }> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: abort.signal,
  });
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.includes('text/event-stream')) {
    return { status: response.status, contentType, events: [], comments: [], json: await response.json() };
  }
  const comments: string[] = [];
  const events: SseEvent[] = [];
  const reader = response
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ onComment: (c) => comments.push(c) }))
    .getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const event = { event: value.event, data: value.data ? JSON.parse(value.data) : null };
      events.push(event);
      if (options.stopAfter?.(event, events)) {
        abort.abort();
        break;
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  }
  return { status: response.status, contentType, events, comments };
}

/** Polls until `check` returns a value (the server finishes work after a client leaves). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The events of a streamed send that called one tool: tool.call, tool.result, the deltas, then message.completed. */
export function expectOneToolCallFirst(events: SseEvent[]): void {
  const kinds = events.map((e) => e.event);
  expect(kinds.slice(0, 2)).toEqual(['tool.call', 'tool.result']);
  expect(kinds.at(-1)).toBe('message.completed');
  expect(kinds.slice(2, -1).every((k) => k === 'message.delta')).toBe(true);
}
