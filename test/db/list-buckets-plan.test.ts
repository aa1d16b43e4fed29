import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { DEFAULT_PERSONALITY } from '../../src/services/agent-input.js';
import { pageIdsQuery } from '../../src/services/pagination.js';
import { startTestApp, type TestApp } from '../support/app.js';

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; Plans?: PlanNode[] };

/** Rows each scan of `relation` in the plan produced (times its loops). */
function rowsReadFrom(node: PlanNode, relation: string): number[] {
  const own = node['Relation Name'] === relation ? [node['Actual Rows'] * node['Actual Loops']] : [];
  return [...own, ...(node.Plans ?? []).flatMap((child) => rowsReadFrom(child, relation))];
}

// The database work, not a timing: what a deep page reads, from the executed plan.
describe('list buckets: a deep page reads one range, not the rows before it (postgres)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('postgres');
  });
  afterAll(() => app?.close());

  it('the middle page of 6,000 agents, from either end, reads at most a range and a page of them', async () => {
    const { accountId } = await app.newAccount('planned');
    await app.db.prisma.agent.createMany({
      data: Array.from({ length: 6_000 }, (_, i) => ({
        id: newId('agt'),
        accountId,
        name: `p-${i}`,
        personality: DEFAULT_PERSONALITY,
        modelName: 'local-echo',
        modelTemperature: 0.7,
        modelMaxTokens: 256,
        metadata: {},
      })),
    });
    for (const order of ['desc', 'asc'] as const) {
      const query = pageIdsQuery({ table: 'Agent', ownerColumn: 'accountId', ownerId: accountId }, order, 2_990, 20);
      const [row] = await app.db.prisma.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${query.text}`,
        ...query.values,
      );
      const reads = rowsReadFrom(row!['QUERY PLAN'][0].Plan, 'Agent');
      expect(reads.length, order).toBeGreaterThan(0);
      // A range holds at most 1,000 rows; skipping 2,990 rows through the index would read 3,010.
      expect(reads.reduce((a, b) => a + b, 0), order).toBeLessThanOrEqual(1_000 + 20);
      const ids = await app.db.prisma.$queryRawUnsafe<{ id: string }[]>(query.text, ...query.values);
      const truth = await app.db.prisma.agent.findMany({ where: { accountId }, orderBy: { id: order }, skip: 2_990, take: 20, select: { id: true } });
      expect(ids.map((r) => r.id)).toEqual(truth.map((r) => r.id));
    }
  });
});
