// The embedded database runs its queries on the main thread. Under load the event loop must still
// turn between them: timers (model timeouts, heartbeats), new connections and socket reads wait
// for a turn.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { prepareDatabase } from '../../src/db/migrate.js';

describe('embedded database under concurrent load', () => {
  let db: Database;

  beforeAll(async () => {
    db = await openDatabase({ kind: 'pglite', loadDataDir: new Blob([await readFile(inject('pgliteTemplate'))]) });
    await prepareDatabase(db, async () => undefined);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('lets the event loop turn while a backlog of queries and transactions runs', async () => {
    const FLOWS = 24;
    const STEPS = 6;
    let finishedFlows = 0;
    let finishedWhenTimerFired: number | undefined;
    // Queued behind nothing but the queries: it fires at the first turn of the event loop.
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        finishedWhenTimerFired = finishedFlows;
        resolve();
      }, 0),
    );
    const flows = Array.from({ length: FLOWS }, async (_, flow) => {
      for (let step = 0; step < STEPS; step++) {
        if (step % 2) await db.prisma.$transaction([db.prisma.account.count(), db.prisma.agent.count()]);
        else await db.prisma.account.findMany({ where: { name: `flow-${flow}` }, take: 1 });
      }
      finishedFlows++;
    });
    await Promise.all([...flows, timer]);

    expect(finishedFlows).toBe(FLOWS);
    // Before, the whole backlog ran in promise callbacks and the timer fired after every flow ended.
    expect(finishedWhenTimerFired).toBe(0);
  });
});
