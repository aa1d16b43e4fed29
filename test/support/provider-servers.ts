import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How the next answers behave: a normal reply, an HTTP error, a garbage body, too slow, or cut
 * off (`cut-off`: a whole answer without a finish reason; a stream of two deltas that then ends
 * cleanly, without its finish reason and its end event).
 */
export type ProviderMode = 'ok' | '429' | '500' | 'malformed' | 'slow' | 'stream-breaks' | 'slow-stream' | 'cut-off';

export type RecordedRequest = { path: string; headers: IncomingMessage['headers']; body: any };

/** A tool call the fake model makes: `arguments` as JSON text (as the model writes it) or a value. */
export type ScriptedToolCall = { name: string; arguments: unknown };

export type ProviderServer = {
  baseUrl: string;
  mode: ProviderMode;
  reply: string;
  /** slow-stream: time between streamed events. */
  streamDelayMs: number;
  requests: RecordedRequest[];
  /**
   * When set, and the request offers tools: the model calls these tools (one step), `toolRounds`
   * times, before answering `reply` once the results of the last round came back. Ids are
   * `call_<round>_<index>` (OpenAI) and `toolu_<round>_<index>` (Anthropic).
   */
  toolCalls: ScriptedToolCall[] | undefined;
  toolRounds: number;
  close(): Promise<void>;
};

const argumentsText = (call: ScriptedToolCall) => (typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments));

/** OpenAI: how many rounds of tool calls the conversation already holds (assistant turns with tool_calls). */
const openaiRoundsDone = (body: any) => (body.messages ?? []).filter((m: any) => m.role === 'assistant' && m.tool_calls?.length).length;
/** Anthropic: the same, from assistant turns with tool_use blocks. */
const anthropicRoundsDone = (body: any) =>
  (body.messages ?? []).filter((m: any) => m.role === 'assistant' && Array.isArray(m.content) && m.content.some((c: any) => c.type === 'tool_use')).length;

const words = (text: string) => text.match(/\S+\s*/g) ?? [text];

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

/** Writes the events at once, or (slow-stream) one every `delayMs`, like a model thinking. */
function sse(res: ServerResponse, lines: string[], delayMs = 0): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (!delayMs) {
    for (const line of lines) res.write(line);
    res.end();
    return;
  }
  let i = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    res.write(lines[i++]!);
    if (i === lines.length) {
      clearInterval(timer);
      res.end();
    }
  }, delayMs);
}

function errorBody(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': '0' } : {}) });
  res.end(JSON.stringify({ error: { message: status === 429 ? 'Rate limit reached' : 'Internal error', type: 'server_error' } }));
}

async function start(handle: (server: ProviderServer, body: any, res: ServerResponse) => void): Promise<ProviderServer> {
  const state: ProviderServer = {
    baseUrl: '',
    mode: 'ok',
    reply: 'Hello from the provider.',
    streamDelayMs: 100,
    requests: [],
    toolCalls: undefined,
    toolRounds: 1,
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readJson(req).catch(() => ({}));
    state.requests.push({ path: req.url ?? '', headers: req.headers, body });
    if (state.mode === '429') return errorBody(res, 429);
    if (state.mode === '500') return errorBody(res, 500);
    if (state.mode === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"choices": [ this is not json');
      return;
    }
    if (state.mode === 'slow-stream' && !body.stream) {
      // A whole answer takes as long as its stream would have.
      const timer = setTimeout(() => handle(state, body, res), state.streamDelayMs * 6);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (state.mode === 'slow') {
      const timer = setTimeout(() => handle(state, body, res), 60_000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    handle(state, body, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** Speaks OpenAI's chat completions API (POST /v1/chat/completions), plain and streamed. */
export function startOpenAIServer(): Promise<ProviderServer> {
  return start((state, body, res) => {
    const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
    const base = { id: 'chatcmpl-test', created: 1_700_000_000, model: `${body.model}-0001` };
    const round = openaiRoundsDone(body);
    const calling = state.toolCalls && body.tools?.length && body.tool_choice !== 'none' && round < state.toolRounds;
    if (calling) {
      const calls = state.toolCalls!.map((call, i) => ({
        id: `call_${round}_${i}`,
        type: 'function',
        function: { name: call.name, arguments: argumentsText(call) },
      }));
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            ...base,
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: calls }, finish_reason: 'tool_calls' }],
            usage,
          }),
        );
        return;
      }
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      return sse(res, [
        chunk({ role: 'assistant', content: null, tool_calls: calls.map((c, index) => ({ index, ...c })) }, null),
        chunk({}, 'tool_calls'),
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`,
        'data: [DONE]\n\n',
      ]);
    }
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ...base,
          object: 'chat.completion',
          choices: [
            { index: 0, message: { role: 'assistant', content: state.reply }, finish_reason: state.mode === 'cut-off' ? null : 'stop' },
          ],
          usage,
        }),
      );
      return;
    }
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const parts = words(state.reply).map((w, i) => chunk(i === 0 ? { role: 'assistant', content: w } : { content: w }, null));
    if (state.mode === 'stream-breaks') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(parts[0]!);
      res.write('data: {"broken json\n\n');
      res.end();
      return;
    }
    if (state.mode === 'cut-off') return sse(res, parts.slice(0, 2));
    sse(res, [
      ...parts,
      chunk({}, 'stop'),
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`,
      'data: [DONE]\n\n',
    ], state.mode === 'slow-stream' ? state.streamDelayMs : 0);
  });
}

/** Speaks Anthropic's messages API (POST /v1/messages), plain and streamed. */
export function startAnthropicServer(): Promise<ProviderServer> {
  return start((state, body, res) => {
    const message = { id: 'msg_test', type: 'message', role: 'assistant', model: `${body.model}-20250101` };
    const round = anthropicRoundsDone(body);
    const calling = state.toolCalls && body.tools?.length && body.tool_choice?.type !== 'none' && round < state.toolRounds;
    if (calling) {
      const blocks = state.toolCalls!.map((call, i) => ({
        type: 'tool_use',
        id: `toolu_${round}_${i}`,
        name: call.name,
        input: typeof call.arguments === 'string' ? JSON.parse(call.arguments) : call.arguments,
      }));
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            ...message,
            content: blocks,
            stop_reason: 'tool_use',
            stop_sequence: null,
            usage: { input_tokens: 13, output_tokens: 5 },
          }),
        );
        return;
      }
      const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
      return sse(res, [
        event('message_start', {
          message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 13, output_tokens: 1 } },
        }),
        ...blocks.flatMap((block, index) => [
          event('content_block_start', { index, content_block: { ...block, input: {} } }),
          event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } }),
          event('content_block_stop', { index }),
        ]),
        event('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 5 } }),
        event('message_stop', {}),
      ]);
    }
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ...message,
          content: [{ type: 'text', text: state.reply }],
          stop_reason: state.mode === 'cut-off' ? null : 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: 13, output_tokens: 5 },
        }),
      );
      return;
    }
    const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const deltas = words(state.reply).map((text) =>
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
    );
    if (state.mode === 'stream-breaks') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(deltas[0]!);
      res.write('event: content_block_delta\ndata: {"broken\n\n');
      res.end();
      return;
    }
    const opening = [
      event('message_start', {
        message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 13, output_tokens: 1 } },
      }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ];
    if (state.mode === 'cut-off') return sse(res, [...opening, ...deltas.slice(0, 2)]);
    sse(res, [
      ...opening,
      ...deltas,
      event('content_block_stop', { index: 0 }),
      event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } }),
      event('message_stop', {}),
    ], state.mode === 'slow-stream' ? state.streamDelayMs : 0);
  });
}
