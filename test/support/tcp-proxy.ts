// A loopback TCP proxy in front of a real server (PostgreSQL, usually), so a test can make that
// server disappear under a running process and come back, on the same address.
import net from 'node:net';

export type CutMode =
  /** Existing connections are destroyed and the port is closed: new connections are refused. */
  | 'refuse'
  /** Existing connections are destroyed; new ones are accepted and destroyed at once. */
  | 'reset'
  /**
   * Existing connections are destroyed; new ones are accepted and then left silent (nothing is
   * forwarded, nothing answered), like a host that stopped responding: clients must time out.
   */
  | 'blackhole';

export type TcpProxy = {
  host: string;
  port: number;
  /** Connections currently forwarded. */
  readonly connections: number;
  /** Connections accepted (and forwarded) since the start. */
  readonly accepted: number;
  /** Makes the target unreachable through the proxy, at once. */
  cut(mode?: CutMode): Promise<void>;
  /** Forwards again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
};

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const host = '127.0.0.1';
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const held = new Set<net.Socket>();
  let accepted = 0;
  let mode: 'forward' | CutMode = 'forward';
  let port = 0;

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    if (mode === 'blackhole') {
      held.add(client);
      client.on('error', () => {}).on('close', () => held.delete(client));
      return;
    }
    if (mode !== 'forward') {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });

  const listen = (onPort: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(onPort, host, () => {
        server.removeListener('error', onError);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  const destroyAll = () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
    for (const socket of held) socket.destroy();
    held.clear();
  };

  await listen(0);
  port = (server.address() as net.AddressInfo).port;

  return {
    host,
    port,
    get connections() {
      return pairs.size;
    },
    get accepted() {
      return accepted;
    },
    async cut(how: CutMode = 'refuse') {
      mode = how;
      if (how === 'refuse') {
        const closed = stopListening();
        destroyAll();
        await closed;
      } else {
        destroyAll();
      }
    },
    async restore() {
      for (const socket of held) socket.destroy();
      held.clear();
      if (!server.listening) {
        // The port was ours a moment ago; retry briefly should anything else grab it meanwhile.
        for (let attempt = 0; ; attempt++) {
          try {
            await listen(port);
            break;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
      mode = 'forward';
    },
    async close() {
      mode = 'refuse';
      const closed = stopListening();
      destroyAll();
      await closed;
    },
  };
}
