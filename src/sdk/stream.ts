// A streamed reply: Server-Sent Events (`message.delta`, `tool.call`, `tool.result`, `message.completed`, `error`) read with
// eventsource-parser and handed out as an async iterator of typed events.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  OrionOSError,
  STATUS_OF_CODE,
  type ErrorCode,
} from './errors.js';
import { errorFromAnswer, type OpenResponse } from './http.js';
import type { MessageStreamEvent, SentMessage, ToolCall } from './types.js';

function parseData(event: EventSourceMessage): unknown {
  try {
    return JSON.parse(event.data);
  } catch {
    throw new OrionOSError({
      code: 'INVALID_RESPONSE',
      message: `The stream sent an event that is not JSON (${event.event ?? 'message'})`,
    });
  }
}

function streamError(data: unknown, headers: Headers): OrionOSError {
  const error = (data ?? {}) as Record<string, unknown>;
  const code = typeof error['code'] === 'string' ? error['code'] : 'INTERNAL_ERROR';
  return OrionOSError.from({
    code,
    message: typeof error['message'] === 'string' ? error['message'] : 'The stream failed',
    details: error['details'] && typeof error['details'] === 'object' ? (error['details'] as Record<string, unknown>) : {},
    requestId: typeof error['requestId'] === 'string' ? error['requestId'] : (headers.get('x-request-id') ?? undefined),
    // The status the same error has as a plain answer (the stream itself was a 200).
    status: STATUS_OF_CODE[code as ErrorCode],
    body: data,
  });
}

/**
 * `for await (const event of stream)`: `{type: 'delta', delta}` events as the reply is written,
 * then one `{type: 'completed', message}` with the stored message (the same object sendMessage
 * returns as `data`). An `error` event throws its typed exception. Requests are sent on first
 * iteration (retried like any call until the stream starts, never after); iterate once.
 */
export class MessageStream implements AsyncIterable<MessageStreamEvent> {
  /** The request id of the stream's answer, once it started. */
  requestId: string | undefined;
  private started = false;
  private open: OpenResponse | undefined;
  private aborted = false;

  constructor(private readonly start: () => Promise<OpenResponse>) {}

  /** Stops reading and closes the connection (the server still completes and stores the reply). */
  abort(): void {
    this.aborted = true;
    this.open?.abort();
  }

  /** Reads the whole stream; resolves to the completed message. */
  async finalMessage(): Promise<SentMessage> {
    for await (const event of this) {
      if (event.type === 'completed') return event.message;
    }
    throw new OrionOSError({ code: 'STREAM_INTERRUPTED', message: 'The stream ended without a completed message' });
  }

  [Symbol.asyncIterator](): AsyncIterator<MessageStreamEvent> {
    if (this.started) throw new Error('A MessageStream can be iterated only once');
    this.started = true;
    return this.events();
  }

  private async *events(): AsyncGenerator<MessageStreamEvent> {
    if (this.aborted) throw new APIUserAbortError({ code: 'ABORTED', message: 'The stream was aborted' });
    const open = await this.start();
    this.open = open;
    const { response } = open;
    this.requestId = response.headers.get('x-request-id') ?? undefined;
    let completed = false;
    try {
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.includes('text/event-stream')) {
        // A server that answered at once rather than streaming: the whole reply as one event.
        const text = await response.text();
        let body: { success?: boolean; data?: SentMessage } | undefined;
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          body = undefined;
        }
        if (body?.success !== true || !body.data) throw errorFromAnswer(response.status, response.headers, text);
        completed = true;
        yield { type: 'completed', message: body.data };
        return;
      }
      const queue: MessageStreamEvent[] = [];
      let failure: OrionOSError | undefined;
      const parser = createParser({
        onEvent: (event) => {
          if (failure) return;
          if (event.event === 'message.delta') {
            const data = parseData(event) as { delta?: unknown };
            queue.push({ type: 'delta', delta: typeof data?.delta === 'string' ? data.delta : '' });
          } else if (event.event === 'tool.call') {
            const data = parseData(event) as { callId: string; tool: string; arguments: unknown };
            queue.push({ type: 'tool_call', callId: data.callId, tool: data.tool, arguments: data.arguments });
          } else if (event.event === 'tool.result') {
            queue.push({ type: 'tool_result', toolCall: parseData(event) as ToolCall });
          } else if (event.event === 'message.completed') {
            queue.push({ type: 'completed', message: parseData(event) as SentMessage });
          } else if (event.event === 'error') {
            failure = streamError(parseData(event), response.headers);
          }
          // Other event types are newer than this SDK: skipped.
        },
      });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          let chunk: ReadableStreamReadResult<string>;
          open.armTimeout(); // Silence for timeoutMs (heartbeats count as sound) ends the stream.
          try {
            chunk = await reader.read();
          } catch (caught) {
            throw this.readFailure(open, caught);
          } finally {
            open.disarmTimeout();
          }
          if (chunk.done) parser.reset({ consume: true });
          else parser.feed(chunk.value);
          while (queue.length) {
            const event = queue.shift()!;
            if (event.type === 'completed') completed = true;
            yield event;
            if (completed) return;
          }
          if (failure) throw failure;
          if (chunk.done) break;
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
      throw new OrionOSError({
        code: 'STREAM_INTERRUPTED',
        message: 'The stream ended before the reply was completed',
        requestId: this.requestId,
      });
    } finally {
      if (!completed) open.abort();
      open.finish();
    }
  }

  private readFailure(open: OpenResponse, caught: unknown): OrionOSError {
    if (caught instanceof OrionOSError) return caught;
    if (this.aborted || open.userAborted()) {
      return new APIUserAbortError({ code: 'ABORTED', message: 'The stream was aborted', cause: caught });
    }
    if (open.timedOut()) {
      return new APITimeoutError({ code: 'TIMEOUT', message: 'The stream went silent for longer than timeoutMs', cause: caught });
    }
    return new APIConnectionError({
      code: 'CONNECTION_ERROR',
      message: `The stream's connection failed: ${(caught as Error)?.message ?? String(caught)}`,
      cause: caught,
      requestId: this.requestId,
    });
  }
}
