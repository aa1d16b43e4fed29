import WebSocket from 'ws';

export type Closed = { code: number; reason: string };

/**
 * A WebSocket speaking the graphql-ws protocol by hand, for what a client library hides: close
 * codes and reasons, the exact messages, what happens on one socket across operations.
 */
export type RawGraphQLSocket = {
  socket: WebSocket;
  messages: any[];
  closed: Promise<Closed>;
  send(message: unknown): void;
  /** Resolves with the first message (already received or to come) that matches. */
  waitFor(match: (message: any) => boolean): Promise<any>;
  /** connection_init with this payload; resolves once acknowledged. */
  init(payload?: Record<string, unknown>): Promise<void>;
  /** Subscribes and collects the operation's messages until `complete` or `error`. */
  run(id: string, query: string, variables?: Record<string, unknown>): Promise<any[]>;
};

export async function rawGraphQLSocket(
  url: string,
  options: { protocol?: string; headers?: Record<string, string> } = {},
): Promise<RawGraphQLSocket> {
  const socket = new WebSocket(url, options.protocol ?? 'graphql-transport-ws', { headers: options.headers });
  const messages: any[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    for (const waiter of waiters) waiter();
  });
  const closed = new Promise<Closed>((resolve) =>
    socket.once('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const waiter of waiters) waiter();
    }),
  );
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const waitFor = (match: (message: any) => boolean) =>
    new Promise<any>((resolve, reject) => {
      const check = () => {
        const found = messages.find(match);
        if (found) {
          waiters.delete(check);
          resolve(found);
        } else if (isClosed) {
          waiters.delete(check);
          reject(new Error(`socket closed; received ${JSON.stringify(messages)}`));
        }
      };
      waiters.add(check);
      check();
      void closed.then(() => setImmediate(check));
    });
  const send = (message: unknown) => socket.send(JSON.stringify(message));
  return {
    socket,
    messages,
    closed,
    send,
    waitFor,
    async init(payload) {
      send({ type: 'connection_init', ...(payload ? { payload } : {}) });
      await waitFor((m) => m.type === 'connection_ack');
    },
    async run(id, query, variables = {}) {
      send({ id, type: 'subscribe', payload: { query, variables } });
      await waitFor((m) => m.id === id && (m.type === 'complete' || m.type === 'error'));
      return messages.filter((m) => m.id === id);
    },
  };
}
