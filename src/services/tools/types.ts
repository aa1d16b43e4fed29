/**
 * What a reply records of every tool the model called on the way (`Message.toolCalls`), in the
 * order they ran; returned by a send, in conversation history, and streamed as `tool.call` then
 * `tool.result` events.
 */
export type ToolCallError = { code: string; message: string };

export type ToolCallRecord = {
  /** The model's id for the call (the provider's, or `call_…` from the local engine). */
  id: string;
  /** The tool's name as the model called it. */
  tool: string;
  arguments: unknown;
  /** Exactly one of `result` and `error`. */
  result?: unknown;
  error?: ToolCallError;
  latencyMs: number;
};
