// `npm run bench:mcp`: what a tool call costs a send, by kind of tool. Three agents on the local
// engine, asked the same question ("Please echo "hello""), one send at a time over real HTTP:
// - no tools (the floor: the reply without any call);
// - a custom tool `echo` (the `http` plugin): OrionOS POSTs the arguments, signed, to a loopback
//   HTTP endpoint answering JSON;
// - the `echo` tool of an MCP server on loopback (the official SDK's server, Streamable HTTP):
//   each send opens a session (initialize, initialized), calls tools/call, and closes it.
// Every variant does the same work otherwise (same account, same engine, same envelope). Median
// and p95 latency, and the server's CPU per send (from /proc), on embedded PGlite and PostgreSQL.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMcpServer } from '../test/support/mcp-server.js';
import { api, benchAccount, cpuMs, machineLine, markdownTable, median, p95, saveResults, startServer, timed, type Storage } from './harness.js';

const ROUNDS = 3;
const RUNS = Math.ceil(Number(process.env.BENCH_RUNS ?? 60) / ROUNDS) * ROUNDS;
const WARM_UP = 5;
const QUESTION = 'Please echo "hello"';

async function echoEndpoint(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { arguments: args } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { arguments: { text: string } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(args.text));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`, server };
}

async function measure(storage: Storage): Promise<(string | number)[][]> {
  const server = await startServer(storage, { ORION_ALLOW_PRIVATE_NETWORKS: 'true', ORION_SECRET_KEY: `bench-secret-${'k'.repeat(32)}` });
  const mcp = await startMcpServer({ jsonResponse: false });
  const endpoint = await echoEndpoint();
  try {
    const key = await benchAccount(server.url);
    const plain = await api(server.url, key, 'POST', '/v1/agents', { name: 'No tools' });
    const custom = await api(server.url, key, 'POST', '/v1/agents', { name: 'Custom tool' });
    await api(server.url, key, 'PUT', `/v1/agents/${custom.id}/plugins/http`, { config: {} });
    await api(server.url, key, 'POST', `/v1/agents/${custom.id}/tools`, {
      name: 'echo',
      description: 'Echoes the text back.',
      parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      url: endpoint.url,
      timeoutMs: 5_000,
    });
    const withMcp = await api(server.url, key, 'POST', '/v1/agents', { name: 'MCP tool' });
    const registered = await api(server.url, key, 'POST', '/v1/mcp-servers', { name: 'kit', url: mcp.url, timeoutMs: 5_000 });
    if (registered.status !== 'ready') throw new Error(`MCP server not ready: ${JSON.stringify(registered.lastError)}`);
    await api(server.url, key, 'PUT', `/v1/agents/${withMcp.id}/mcp-servers/${registered.id}`, { tools: ['echo'] });

    const variants = [
      { label: 'no tools', agentId: plain.id as string, calls: 0 },
      { label: 'custom tool (signed POST)', agentId: custom.id as string, calls: 1 },
      { label: 'MCP tool (session + tools/call)', agentId: withMcp.id as string, calls: 1 },
    ];
    const rows: (string | number)[][] = [];
    let user = 0;
    const send = async (agentId: string, expectedCalls: number) => {
      const reply = await api(server.url, key, 'POST', `/v1/agents/${agentId}/messages`, { text: QUESTION, userId: `u${++user}` });
      if (reply.toolCalls.length !== expectedCalls || reply.toolCalls.some((c: { error: unknown }) => c.error)) {
        throw new Error(`unexpected tool calls: ${JSON.stringify(reply.toolCalls)}`);
      }
    };
    for (const variant of variants) for (let i = 0; i < WARM_UP; i++) await send(variant.agentId, variant.calls);
    // Rounds with the order rotated, so a noisy moment of this shared machine falls on every variant.
    const times = variants.map(() => [] as number[]);
    const cpu = variants.map(() => 0);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < variants.length; k++) {
        const v = (round + k) % variants.length;
        const variant = variants[v]!;
        const cpuBefore = await cpuMs(server.pid);
        times[v]!.push(...(await timed(RUNS / ROUNDS, () => send(variant.agentId, variant.calls))));
        cpu[v]! += (await cpuMs(server.pid)) - cpuBefore;
      }
    }
    variants.forEach((variant, v) => {
      rows.push([storage, variant.label, median(times[v]!).toFixed(1), p95(times[v]!).toFixed(1), (cpu[v]! / times[v]!.length).toFixed(2)]);
    });
    return rows;
  } finally {
    await server.stop();
    await mcp.close();
    endpoint.server.close();
  }
}

const rows = [...(await measure('pglite')), ...(await measure('postgres'))];
const table = markdownTable(['storage', 'agent', 'median ms', 'p95 ms', 'server CPU ms / send'], rows);
const markdown = [
  '# A tool call in a send, by kind of tool',
  '',
  `${machineLine()}; local engine, one send at a time, ${RUNS} sends per cell in ${ROUNDS} rounds of rotated order after ${WARM_UP} to warm up; the question makes the engine call \`echo\` once.`,
  '',
  table,
  '',
].join('\n');
console.log(markdown);
console.log(`saved to ${await saveResults('mcp', markdown)}`);
