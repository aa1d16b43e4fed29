import { openAnswer, sealAnswer } from '../answer-seal.js';

/**
 * The header values an MCP server is called with (Authorization, API keys...) are secrets of the
 * account: stored only sealed (AES-256-GCM) under the server key, bound to the server's row, and
 * never returned; the API shows their names only.
 */
const sealContext = (mcpServerId: string) => `mcp-headers:${mcpServerId}`;

export function sealMcpHeaders(serverKey: string, mcpServerId: string, headers: Record<string, string>): string {
  return sealAnswer(serverKey, sealContext(mcpServerId), JSON.stringify(headers));
}

/** The headers in plaintext; undefined when they cannot be opened (no server key, or another one). */
export function openMcpHeaders(
  serverKey: string | undefined,
  mcpServerId: string,
  sealed: string | null,
): Record<string, string> | undefined {
  if (!sealed) return {};
  const opened = serverKey ? openAnswer(serverKey, sealContext(mcpServerId), sealed) : undefined;
  return opened === undefined ? undefined : (JSON.parse(opened) as Record<string, string>);
}
