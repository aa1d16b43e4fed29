import type { OutboundFailure } from '../outbound/request.js';

/**
 * Why a tool call failed, as recorded in `toolCalls[].error.code` and handed to the model:
 * - TOOL_INVALID_ARGUMENTS: the arguments do not satisfy the tool's schema (the tool is not run);
 * - TOOL_NOT_FOUND: the model called a tool the agent does not have;
 * - TOOL_TIMEOUT: no complete answer within the tool's timeout;
 * - TOOL_NETWORK_REFUSED: the URL is (or resolves to) a private, loopback, link-local or
 *   metadata address, and ORION_ALLOW_PRIVATE_NETWORKS is off;
 * - TOOL_HTTP_ERROR: the tool answered with an HTTP error, or a redirect (never followed), or
 *   could not be reached;
 * - TOOL_INVALID_RESPONSE: the answer is not JSON;
 * - TOOL_RESPONSE_TOO_LARGE: the answer is larger than 64 KiB;
 * - TOOL_FAILED: anything else (a calculation without a finite real result, an MCP tool that
 *   reported an error, MCP header values the server key no longer opens, ...).
 */
export type ToolErrorCode =
  | 'TOOL_INVALID_ARGUMENTS'
  | 'TOOL_NOT_FOUND'
  | 'TOOL_TIMEOUT'
  | 'TOOL_NETWORK_REFUSED'
  | 'TOOL_HTTP_ERROR'
  | 'TOOL_INVALID_RESPONSE'
  | 'TOOL_RESPONSE_TOO_LARGE'
  | 'TOOL_FAILED';

export class ToolFailure extends Error {
  constructor(
    readonly code: ToolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What an outbound request's failure is as a tool call's error (custom tools, MCP servers). */
export const OUTBOUND_CODES: Record<OutboundFailure, ToolErrorCode> = {
  invalid_url: 'TOOL_HTTP_ERROR',
  refused: 'TOOL_NETWORK_REFUSED',
  timeout: 'TOOL_TIMEOUT',
  redirect: 'TOOL_HTTP_ERROR',
  too_large: 'TOOL_RESPONSE_TOO_LARGE',
  network: 'TOOL_HTTP_ERROR',
};
