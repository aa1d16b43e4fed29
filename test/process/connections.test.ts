// Clients that hold connections open: a body trickled after the answer, headers or a body that
// never finish, many connections from one address, requests to paths outside the API. Real
// sockets against the real server process.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import {
  PROCESS_ADMIN_KEY,
  killAllServers,
  serverEnv,
  startServer,
  type StartedServer,
} from '../support/server-process.js';

/** How long a connection may take to be closed before the test gives up: a bound, not a measure. */
const BOUND_MS = 10_000;

type RawConnection = {
  socket: net.Socket;
  received(): string;
  closed: Promise<void>;
  /** Resolves once the received text matches. */
  waitFor(pattern: RegExp): Promise<string>;
};

function connect(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let text = '';
    const waiters: (() => void)[] = [];
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      for (const waiter of waiters) waiter();
    });
    socket.on('error', () => {}); // A reset is one way to be closed.
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => text,
        closed,
        waitFor: (pattern) =>
          new Promise((done, fail) => {
            const check = () => {
              if (pattern.test(text)) done(text);
            };
            waiters.push(check);
            check();
            void closed.then(() => {
              if (!pattern.test(text)) fail(new Error(`closed before ${pattern}; received ${JSON.stringify(text)}`));
            });
          }),
      }),
    );
    socket.once('error', reject);
  });
}

/** Resolves when the server has closed the connection; fails once the bound is reached. */
async function closedByServer(connection: RawConnection): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connection.closed,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`still open; received ${JSON.stringify(connection.received())}`)),
          BOUND_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    connection.socket.destroy();
  }
}

describe('connections held open by slow or many clients (server process)', () => {
  let schema: string | undefined;
  let server: StartedServer;

  beforeAll(async () => {
    const fresh = freshPostgresUrl();
    schema = fresh.schema;
    // Node's own timeouts, far longer than any test: only the behaviour under test can close.
    server = await startServer(
      await serverEnv({
        DATABASE_URL: fresh.url,
        ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
        MAX_CONNECTIONS_PER_ADDRESS: '5',
        ANONYMOUS_RATE_LIMIT_PER_MINUTE: '5',
        HTTP_HEADERS_TIMEOUT_MS: '120000',
        HTTP_REQUEST_TIMEOUT_MS: '300000',
      }),
    );
  });
  afterAll(async () => {
    await killAllServers();
    if (schema) await dropPostgresSchema(schema);
  });

  it('closes a connection once its request is answered, however its body keeps trickling', async () => {
    const connections = await Promise.all([1, 2, 3].map(() => connect(server.url)));
    const trickles = connections.map((c) => {
      c.socket.write('POST /no-such-route HTTP/1.1\r\nHost: orion\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\nx');
      return setInterval(() => c.socket.writable && c.socket.write('x'), 50);
    });
    try {
      for (const c of connections) {
        expect(await c.waitFor(/^HTTP\/1\.1 404 /)).toContain('"code":"NOT_FOUND"');
        await closedByServer(c);
      }
    } finally {
      trickles.forEach(clearInterval);
    }
  });

  it('caps the connections one address holds at MAX_CONNECTIONS_PER_ADDRESS', async () => {
    const held: RawConnection[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const c = await connect(server.url);
        held.push(c);
        c.socket.write('GET /healthz HTTP/1.1\r\nHost: orion\r\n\r\n');
        await c.waitFor(/^HTTP\/1\.1 200 /);
      }
      // The sixth is closed at once, unanswered.
      const sixth = await connect(server.url);
      sixth.socket.write('GET /healthz HTTP/1.1\r\nHost: orion\r\n\r\n');
      await closedByServer(sixth);
      expect(sixth.received()).toBe('');

      // One closed: room for one more (once the server has seen it close).
      held.shift()!.socket.destroy();
      let answered = '';
      for (let attempt = 0; attempt < 50 && !answered; attempt++) {
        const next = await connect(server.url);
        next.socket.write('GET /healthz HTTP/1.1\r\nHost: orion\r\n\r\n');
        answered = await next.waitFor(/^HTTP\/1\.1 200 /).catch(() => '');
        if (answered) held.push(next);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(answered).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      for (const c of held) c.socket.destroy();
    }
    // The next test needs the room back: wait until the server has seen these connections close.
    for (let attempt = 0; attempt < 100; attempt++) {
      const ok = await fetch(`${server.url}/healthz`).then((res) => res.ok, () => false);
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it('rate-limits paths outside /v1 and /graphql per address; the health probes are exempt', async () => {
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const res = await fetch(`${server.url}/no-such-route`, { method: 'POST' });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
      else await res.arrayBuffer();
    }
    expect(refused, `statuses: ${statuses.join(',')}`).toBeDefined();
    expect(refused!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused!.json()).toMatchObject({ success: false, error: { code: 'RATE_LIMIT_EXCEEDED' } });
    expect((await fetch(`${server.url}/docs`)).status).toBe(429);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});

describe('requests that never finish arriving (server process)', () => {
  let schema: string | undefined;
  let server: StartedServer;

  beforeAll(async () => {
    const fresh = freshPostgresUrl();
    schema = fresh.schema;
    server = await startServer(
      await serverEnv({
        DATABASE_URL: fresh.url,
        ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
        HTTP_HEADERS_TIMEOUT_MS: '300',
        HTTP_REQUEST_TIMEOUT_MS: '600',
      }),
    );
  });
  afterAll(async () => {
    await killAllServers();
    if (schema) await dropPostgresSchema(schema);
  });

  it('closes a connection whose headers never end (HTTP_HEADERS_TIMEOUT_MS), with 408', async () => {
    const c = await connect(server.url);
    c.socket.write('GET /v1/agents HTTP/1.1\r\nHost: orion\r\n');
    const keepTrickling = setInterval(() => c.socket.writable && c.socket.write('X-Slow: 1\r\n'), 50);
    try {
      await closedByServer(c);
    } finally {
      clearInterval(keepTrickling);
    }
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose body never ends (HTTP_REQUEST_TIMEOUT_MS), with 408', async () => {
    const c = await connect(server.url);
    c.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: orion\r\nAuthorization: Bearer ${PROCESS_ADMIN_KEY}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":',
    );
    const keepTrickling = setInterval(() => c.socket.writable && c.socket.write(' '), 50);
    try {
      await closedByServer(c);
    } finally {
      clearInterval(keepTrickling);
    }
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('an idle connection that never sends a request is closed too', async () => {
    const c = await connect(server.url);
    await closedByServer(c);
  });
});
