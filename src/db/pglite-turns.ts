import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PGlite } from '@electric-sql/pglite';

/**
 * PGlite runs every query synchronously on the main thread and hands its lock from one waiting
 * query to the next in promise callbacks. Under load the queue never empties between two turns
 * of the event loop: timers (model timeouts, stream heartbeats), new connections and socket reads
 * all waited until every request in flight had finished, 0.3 s at a time with 32 concurrent
 * sends, and connections opened during a burst were accepted one per round (seconds late).
 *
 * The client handed to Prisma queues each query and transaction one turn of the event loop
 * later, so I/O and timers run between rounds of queries. Statements inside a transaction are not
 * delayed: they already hold the lock. `exec` keeps its order (migrations call it without
 * waiting for it).
 */
export function yieldingToEventLoop(pglite: PGlite): PGlite {
  return new Proxy(pglite, {
    get(target, property) {
      if (property === 'query') {
        return async (...args: Parameters<PGlite['query']>) => {
          await nextTurn();
          return target.query(...args);
        };
      }
      if (property === 'transaction') {
        return async (...args: Parameters<PGlite['transaction']>) => {
          await nextTurn();
          return target.transaction(...args);
        };
      }
      // PGlite's methods use private fields: they must run on the instance itself, not the proxy.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
