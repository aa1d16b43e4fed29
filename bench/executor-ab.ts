// `npx tsx bench/executor-ab.ts`: in one process on PostgreSQL, CPU per call (8 concurrent, N calls, medians of 9
// rounds in rotated order) of Prisma's findFirst alone, of the REST executor as it is, and of the executor as it
// was before it kept checked documents (parse and validate on every request). Machine noise matters less
// than across processes, but still: compare within a run.
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../src/db/client.js';
import { prepareDatabase } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import { createAccount } from '../src/services/accounts.js';
import { createAgent } from '../src/services/agents.js';
import { authenticate } from '../src/services/api-keys.js';
import { KeyCache } from '../src/services/key-cache.js';
import { createOrionYoga, shapeResult } from '../src/graphql/yoga.js';
import { DEFAULT_GRAPHQL_LIMITS } from '../src/config.js';
import { executeOperation } from '../src/rest/executor.js';
import { routes } from '../src/rest/routes.js';
import { print } from 'graphql';
import { POSTGRES_URL } from './harness.js';

const schemaName = `micro_${randomBytes(3).toString('hex')}`;
const url = `${POSTGRES_URL}?schema=${schemaName}`;
const db = await openDatabase({ kind: 'postgres', url });
await prepareDatabase(db, async () => undefined);
const logger = createLogger('warn');
const { account, secret } = await createAccount(db.prisma, { name: 'b', tier: 'enterprise', rateLimitPerMinute: 1e6, monthlyMessageQuota: 1e9 });
const agent = await createAgent(db.prisma, account.id, { name: 'Bench', personality: { traits: ['friendly'] } });
const keyCache = KeyCache.disabled();
const auth = await authenticate(db.prisma, `Bearer ${secret}`, new Date(), keyCache);
const messaging = { prisma: db.prisma, providers: {} as never, modelTimeoutMs: 1000, logger, inflight: new Set(), metrics: undefined as never };
const yoga = createOrionYoga({ messaging: messaging as never, logger, limits: DEFAULT_GRAPHQL_LIMITS, keyCache });
const route = routes.find((r) => r.method === 'GET' && r.path === '/agents/:agentId')!;
const vars = { agentId: agent.id };
const query = print(route.operation);
const req = () => ({ orion: { requestId: 'req_x', auth } }) as never;
const variants: Record<string, () => Promise<unknown>> = {
  prisma: () => db.prisma.agent.findFirst({ where: { id: agent.id, accountId: account.id } }),
  after: async () => { const r = await executeOperation(yoga, req(), {} as never, route.operation, vars, logger); if (r.errors) throw r.errors[0]; },
  before: async () => {
    const { parse, validate, contextFactory, execute, schema } = yoga.getEnveloped({ req: req(), res: {} } as never);
    const parsed = parse(query); const errors = validate(schema, parsed); if (errors.length) throw errors[0];
    const contextValue = await contextFactory();
    const r: any = shapeResult((await execute({ schema, document: parsed, variableValues: vars, contextValue, operationName: 'GetAgent' })) as never, 'x', logger); if (r.errors) throw r.errors[0]; },
};
const N = Number(process.env.N ?? 2000);
async function time(name: string) {
  const fn = variants[name]!;
  const c0 = process.cpuUsage();
  let i = 0;
  await Promise.all(Array.from({ length: 8 }, async () => { while (i++ < N) await fn(); }));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / N;
}
for (const n of Object.keys(variants)) await time(n);
const res: Record<string, number[]> = {};
const names = Object.keys(variants);
for (let r = 0; r < 9; r++) for (const n of [...names.slice(r % 3), ...names.slice(0, r % 3)]) (res[n] ??= []).push(await time(n));
for (const [n, v] of Object.entries(res)) console.log(n, v.sort((a, b) => a - b)[4]!.toFixed(3), 'ms cpu/op');
await db.prisma.$executeRawUnsafe(`DROP SCHEMA "${schemaName}" CASCADE`);
await db.close();
process.exit(0);
