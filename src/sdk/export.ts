// Conversation exports: files the API streams (JSON Lines or Markdown), read as they arrive.
import { APIConnectionError, APITimeoutError, APIUserAbortError, OrionOSError } from './errors.js';
import type { HttpClient, OpenResponse } from './http.js';
import type { Conversation, Message, RequestOptions } from './types.js';

export type ConversationExportFormat = 'jsonl' | 'markdown';

/** One line of a JSON Lines export: a conversation (as `conversations.get` returns it) or one of its turns (as `conversations.messages` lists them). */
export type ExportRecord = ({ type: 'conversation' } & Conversation) | ({ type: 'message' } & Message);

const ACCEPT = 'application/x-ndjson, text/markdown, application/json';

/**
 * An export being downloaded. The request has been answered (an error, such as a 404, was thrown
 * instead); the file is read as it is iterated, so a file of any size takes little memory:
 *
 * ```ts
 * const file = await orion.conversations.export('cnv_…');
 * for await (const record of file.records()) console.log(record.type, record.id);
 * // or: for await (const piece of file) stream.write(piece);   or: await file.text()
 * ```
 *
 * Read it once, one way. Leaving a loop early (`break`) or `abort()` closes the connection, and
 * the server stops reading. A connection lost midway throws (a partial file never looks whole).
 */
export class ExportDownload implements AsyncIterable<string> {
  /** `application/x-ndjson; charset=utf-8` or `text/markdown; charset=utf-8`. */
  readonly contentType: string;
  /** The name the server suggests (`cnv_….jsonl`, `cnv_….md`, `agt_…-conversations.jsonl`). */
  readonly fileName: string;
  readonly requestId: string | undefined;
  private started = false;

  constructor(private readonly open: OpenResponse) {
    const headers = open.response.headers;
    this.contentType = headers.get('content-type') ?? '';
    this.fileName = /filename="?([^";]+)"?/.exec(headers.get('content-disposition') ?? '')?.[1] ?? '';
    this.requestId = headers.get('x-request-id') ?? undefined;
  }

  /** Stops the download and closes the connection. */
  abort(): void {
    this.open.abort();
  }

  /** The file's text, a piece at a time (pieces end anywhere, even inside a line). */
  [Symbol.asyncIterator](): AsyncIterator<string> {
    if (this.started) throw new Error('An ExportDownload can be read only once');
    this.started = true;
    return this.pieces();
  }

  /** The file's lines, without their line ends. */
  async *lines(): AsyncGenerator<string> {
    let rest = '';
    for await (const piece of this) {
      const parts = (rest + piece).split('\n');
      rest = parts.pop()!;
      yield* parts;
    }
    if (rest !== '') yield rest;
  }

  /** A JSON Lines export's records, in order. */
  async *records(): AsyncGenerator<ExportRecord> {
    for await (const line of this.lines()) {
      if (line !== '') yield JSON.parse(line) as ExportRecord;
    }
  }

  /** The whole file (it is then all in memory). */
  async text(): Promise<string> {
    const pieces: string[] = [];
    for await (const piece of this) pieces.push(piece);
    return pieces.join('');
  }

  private async *pieces(): AsyncGenerator<string> {
    const { open } = this;
    const reader = open.response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let done = false;
    try {
      for (;;) {
        open.armTimeout(); // Silence for timeoutMs ends the download.
        let chunk: ReadableStreamReadResult<string>;
        try {
          chunk = await reader.read();
        } catch (caught) {
          throw readError(caught, open);
        } finally {
          open.disarmTimeout();
        }
        if (chunk.done) break;
        yield chunk.value;
      }
      done = true;
    } finally {
      open.finish();
      // Left early (break, return, a throw in the loop): close the connection.
      if (!done) open.abort();
      reader.releaseLock();
    }
  }
}

function readError(caught: unknown, open: OpenResponse): OrionOSError {
  if (open.userAborted()) return new APIUserAbortError({ code: 'ABORTED', message: 'The download was aborted', cause: caught });
  if (open.timedOut()) return new APITimeoutError({ code: 'TIMEOUT', message: 'The download timed out', cause: caught });
  return new APIConnectionError({
    code: 'CONNECTION_ERROR',
    message: `The download was cut off: ${(caught as Error)?.message ?? String(caught)}`,
    cause: caught,
  });
}

/** Sends an export request (retried like any GET until it is answered) and opens its file. */
export async function openExport(
  http: HttpClient,
  path: string,
  query: Record<string, string | undefined>,
  options?: RequestOptions,
): Promise<ExportDownload> {
  return new ExportDownload(await http.openStream({ method: 'GET', path, query }, options, ACCEPT));
}
