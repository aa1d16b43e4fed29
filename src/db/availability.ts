// Whether an error means "the database cannot be reached right now" (503, retry later) rather
// than a bug (500): down, or so busy that no connection came in time (a transaction that could
// not start within Prisma's maxWait is P2028 with that message). Errors come from Prisma, its
// driver adapters, pg and PGlite in many shapes.

const PRISMA_CONNECTION_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const ADAPTER_CONNECTION_KINDS = new Set([
  'DatabaseNotReachable',
  'DatabaseDoesNotExist',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionAlreadyClosed',
]);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', '57P01', '57P02', '57P03', '08006', '08001', '08003', '08004']);
const MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Can't reach database server/i,
  /Query read timeout/i,
  /Client has encountered a connection error/i,
  /Connection closed/i,
  /the database system is (shutting down|starting up)/i,
  /PGlite is closed/i,
  /Unable to start a transaction in the given time/i,
];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 6) return false;
  const e = error as { code?: unknown; kind?: unknown; message?: unknown; cause?: unknown; originalCode?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (PRISMA_CONNECTION_CODES.has(e.code) || SOCKET_CODES.has(e.code))) return true;
  if (typeof e.originalCode === 'string' && SOCKET_CODES.has(e.originalCode)) return true;
  if (typeof e.kind === 'string' && ADAPTER_CONNECTION_KINDS.has(e.kind)) return true;
  if (typeof e.message === 'string' && MESSAGES.some((m) => m.test(e.message as string))) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}
