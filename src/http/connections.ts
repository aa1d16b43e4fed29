// The HTTP server under the application: how long a client may take to send its request, how
// many connections one address may hold, and what happens to a body nobody reads.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';

export type ConnectionLimits = {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** 0: no cap. */
  maxConnectionsPerAddress: number;
};

/** Thrown when a port cannot be listened on; its message is the one line to print. */
export class ListenError extends Error {}

/**
 * A request answered before its body arrived (404, 401, 413...) would otherwise keep its
 * connection for as long as the client trickles the rest, since Node reads it to reuse the
 * connection. Once the answer is sent, such a connection is closed.
 */
function closeWhenBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    if (!req.complete) req.socket.destroySoon();
  });
}

/** Connections past `max` from one address are closed as soon as they open. */
function capConnectionsPerAddress(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = open.get(address)! - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

export function createHttpServer(handler: RequestListener, limits: ConnectionLimits): Server {
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node looks for requests past those timeouts this often (every 30 s by default, which would
    // let a short timeout run far longer than configured).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, limits.headersTimeoutMs / 2)),
  });
  server.on('request', closeWhenBodyUnread);
  server.on('request', handler);
  if (limits.maxConnectionsPerAddress > 0) capConnectionsPerAddress(server, limits.maxConnectionsPerAddress);
  return server;
}

/**
 * Listens, and fails with one clear line when the port is taken. (Express's own listen() calls
 * its callback on errors too, so a server that never listened looked started.)
 */
export function listen(
  server: Server,
  port: number,
  host: string,
  variables: { port: string; host: string },
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new ListenError(`port ${port} is in use; set ${variables.port}`));
      else if (error.code === 'EACCES') reject(new ListenError(`not allowed to listen on port ${port}; set ${variables.port}`));
      else if (error.code === 'EADDRNOTAVAIL') reject(new ListenError(`cannot listen on ${host}: no such local address; set ${variables.host}`));
      else reject(error);
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(server);
    });
  });
}
