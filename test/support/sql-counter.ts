import type {
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlQuery,
  Transaction,
} from '@prisma/driver-adapter-utils';

/**
 * Every SQL statement the app's Prisma client sends, as the driver adapter sees it (below
 * Prisma, above the database driver). Transaction control is counted apart: `begins` (a
 * transaction opened, whether the adapter sends BEGIN itself or not) and `commits`.
 */
export class SqlCounter {
  statements: string[] = [];
  begins = 0;
  commits = 0;
  rollbacks = 0;

  reset(): void {
    this.statements = [];
    this.begins = this.commits = this.rollbacks = 0;
  }

  /** For OpenOptions.wrapAdapter. */
  readonly wrap = (factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory => {
    const counter = this;
    return new Proxy(factory, {
      get(target, prop, receiver) {
        if (prop === 'connect') return async () => counter.adapter(await target.connect());
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };

  /** Statements to fail as a lost connection would, while it returns true (see `refuse`). */
  private refused: ((sql: string) => boolean) | undefined;

  /** Fails every statement `matches` selects until called again without it. */
  refuse(matches?: (sql: string) => boolean): void {
    this.refused = matches;
  }

  private record(query: SqlQuery): void {
    if (this.refused?.(query.sql)) throw new Error('refused by the test (SqlCounter.refuse)');
    const sql = query.sql.trim().toUpperCase();
    // Prisma sends COMMIT / ROLLBACK itself when the adapter does not; counted by commit().
    if (sql === 'BEGIN' || sql === 'COMMIT' || sql === 'ROLLBACK') return;
    this.statements.push(query.sql);
  }

  private queryable<T extends SqlDriverAdapter | Transaction>(target: T, extra: Partial<T>): T {
    const counter = this;
    return new Proxy(target, {
      get(t, prop, receiver) {
        if (prop in extra) return extra[prop as keyof T];
        if (prop === 'queryRaw' || prop === 'executeRaw') {
          return (query: SqlQuery) => {
            counter.record(query);
            return (t[prop] as (q: SqlQuery) => Promise<unknown>).call(t, query);
          };
        }
        const value = Reflect.get(t, prop, receiver);
        return typeof value === 'function' ? value.bind(t) : value;
      },
    });
  }

  private adapter(adapter: SqlDriverAdapter): SqlDriverAdapter {
    return this.queryable(adapter, {
      startTransaction: async (isolationLevel) => {
        this.begins++;
        const tx = await adapter.startTransaction(isolationLevel);
        return this.queryable(tx, {
          commit: () => {
            this.commits++;
            return tx.commit();
          },
          rollback: () => {
            this.rollbacks++;
            return tx.rollback();
          },
        });
      },
    });
  }
}
