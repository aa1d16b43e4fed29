import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

/** The graphql-http server audit suite against the real server over a real socket. */
describe('GraphQL over HTTP conformance', () => {
  let app: TestApp;
  let socket: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    app = await startTestApp('pglite');
    socket = await listen(app.app);
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
  });

  it('passes every audit: 0 errors, 0 warnings', async () => {
    const results = [];
    for (const audit of serverAudits({ url: `${socket.url}/graphql` })) {
      const result = await audit.fn();
      results.push({ id: audit.id, name: audit.name, status: result.status, reason: 'reason' in result ? result.reason : '' });
    }
    const problems = results.filter((r) => r.status !== 'ok');
    expect(problems).toEqual([]);
    expect(results.length).toBeGreaterThan(30);
  });
});
