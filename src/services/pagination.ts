import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import { Prisma } from '../db/generated/prisma/client.js';
import { invalidRequest } from '../errors.js';
import { parseInput } from './validation.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export type PageArgs = {
  page?: number | null;
  limit?: number | null;
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
};

export type Pagination = {
  currentPage: number;
  totalPages: number;
  totalItems: number;
  itemsPerPage: number;
};

export type Page<T> = {
  items: T[];
  pagination: Pagination;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
};

const size = (min: number) =>
  z
    .number()
    .int()
    .min(min, `must be between ${min} and ${MAX_PAGE_SIZE}`)
    .max(MAX_PAGE_SIZE, `must be between ${min} and ${MAX_PAGE_SIZE}`)
    .nullish();

const argsSchema = z.object({
  page: z.number().int().min(1, 'must be 1 or more').nullish(),
  limit: size(1),
  // Relay allows an empty page (`first: 0`); a page number needs at least one item per page.
  first: size(0),
  last: size(0),
  after: z.string().nullish(),
  before: z.string().nullish(),
});

/**
 * Where a list's rows come from. IDs are time-ordered, so `id` descending is newest first and a
 * stable order; cursors are IDs.
 */
export type PageSource<T> = {
  /** How many rows the list has: a kept counter where there is one, so no list counts its rows. */
  total(): Promise<number>;
  count(idFilter?: { lt?: string; gt?: string; gte?: string }): Promise<number>;
  findMany(options: {
    idFilter?: { lt?: string; gt?: string };
    order: 'asc' | 'desc';
    skip: number;
    take: number;
  }): Promise<T[]>;
  isValidCursor(cursor: string): boolean;
};

function buildPagination(totalItems: number, itemsPerPage: number, offset: number): Pagination {
  if (itemsPerPage === 0) return { currentPage: 1, totalPages: 0, totalItems, itemsPerPage };
  return {
    currentPage: Math.floor(offset / itemsPerPage) + 1,
    totalPages: Math.ceil(totalItems / itemsPerPage),
    totalItems,
    itemsPerPage,
  };
}

/** Page-number (`page`/`limit`) or Relay cursor (`first/after`, `last/before`) pagination. */
export async function paginate<T extends { id: string }>(
  rawArgs: PageArgs,
  source: PageSource<T>,
): Promise<Page<T>> {
  const args = parseInput(argsSchema, rawArgs);
  const usesPages = args.page != null || args.limit != null;
  const usesCursors = args.first != null || args.last != null || args.after != null || args.before != null;
  if (usesPages && usesCursors) {
    throw invalidRequest(
      [{ field: 'page', message: 'page/limit cannot be combined with first/after/last/before' }],
    );
  }
  if (args.first != null && args.last != null) {
    throw invalidRequest([{ field: 'last', message: 'first and last cannot be combined' }]);
  }
  for (const field of ['after', 'before'] as const) {
    const cursor = args[field];
    if (cursor != null && !source.isValidCursor(cursor)) {
      throw invalidRequest([{ field, message: 'is not a valid cursor' }]);
    }
  }

  const totalItems = await source.total();

  if (args.last != null || (args.before != null && args.first == null)) {
    const take = args.last ?? DEFAULT_PAGE_SIZE;
    const idFilter = { ...(args.before ? { gt: args.before } : {}), ...(args.after ? { lt: args.after } : {}) };
    const rows = await source.findMany({ idFilter, order: 'asc', skip: 0, take: take + 1 });
    const items = rows.slice(0, take).reverse();
    const newerCount = items.length ? await source.count({ gt: items[0]!.id }) : 0;
    return {
      items,
      pagination: buildPagination(totalItems, take, newerCount),
      hasPreviousPage: rows.length > take,
      hasNextPage: args.before != null,
    };
  }

  if (usesCursors) {
    const take = args.first ?? DEFAULT_PAGE_SIZE;
    const idFilter = { ...(args.after ? { lt: args.after } : {}), ...(args.before ? { gt: args.before } : {}) };
    const rows = await source.findMany({ idFilter, order: 'desc', skip: 0, take: take + 1 });
    const newerCount = args.after ? await source.count({ gte: args.after }) : 0;
    return {
      items: rows.slice(0, take),
      pagination: buildPagination(totalItems, take, newerCount),
      hasNextPage: rows.length > take,
      hasPreviousPage: args.after != null && newerCount > 0,
    };
  }

  const page = args.page ?? 1;
  const limit = args.limit ?? DEFAULT_PAGE_SIZE;
  const offset = (page - 1) * limit;
  const items = offset >= totalItems ? [] : await pageAt(source, offset, limit, totalItems);
  return {
    items,
    pagination: { ...buildPagination(totalItems, limit, offset), currentPage: page },
    hasNextPage: offset + items.length < totalItems,
    hasPreviousPage: page > 1,
  };
}

/**
 * Rows offset … offset+limit, newest first. A page past the middle is read from the oldest end
 * instead, so the rows skipped are never more than half the list and the last page costs what
 * the first does.
 */
async function pageAt<T>(source: PageSource<T>, offset: number, limit: number, totalItems: number): Promise<T[]> {
  const end = Math.min(offset + limit, totalItems);
  const fromOldest = totalItems - end;
  if (fromOldest >= offset) return source.findMany({ order: 'desc', skip: offset, take: limit });
  const rows = await source.findMany({ order: 'asc', skip: fromOldest, take: end - offset });
  return rows.reverse();
}

/** A Prisma model delegate, as far as pagination needs it. */
type IdOrderedModel<T> = {
  count(args: { where: object }): PromiseLike<number>;
  /** With `select: { id: true }` the rows have their `id` only. */
  findMany(args: { where: object; orderBy: { id: 'asc' | 'desc' }; skip?: number; take: number; select?: { id: true } }): PromiseLike<T[]>;
};

/**
 * A list whose id ranges are kept in ListBucket (see the list_buckets migration): the rows of
 * `table` whose `ownerColumn` is `ownerId`, exactly the rows the page source lists.
 */
export type BucketedList = {
  prisma: PrismaClient;
  /** As in the Prisma schema: trusted, never from a request. */
  table: 'Agent' | 'ApiKey' | 'Character' | 'Conversation';
  ownerColumn: 'accountId' | 'agentId';
  ownerId: string;
};

/**
 * Rows of `model` matching `where`, paged by their time-ordered IDs. `total` reads the list's
 * kept counter; without one the rows are counted. With `buckets`, a deep page and the rank of a
 * cursor are found from the kept range sizes, so their cost does not grow with their depth.
 */
export function idOrderedSource<T extends { id: string }>(
  model: IdOrderedModel<T>,
  where: object,
  isValidCursor: (cursor: string) => boolean,
  total?: () => PromiseLike<number>,
  buckets?: BucketedList,
): PageSource<T> {
  const withIds = (idFilter?: object) => (idFilter ? { ...where, id: idFilter } : where);
  const count = (idFilter?: IdFilter) =>
    rankFromRanges(buckets, idFilter) ?? Promise.resolve(model.count({ where: withIds(idFilter) }));
  return {
    isValidCursor,
    total: total ? () => Promise.resolve(total()) : () => count(),
    count,
    findMany: async ({ idFilter, order, skip, take }) => {
      if (skip === 0) return model.findMany({ where: withIds(idFilter), orderBy: { id: order }, take });
      if (buckets && !idFilter) {
        const ids = await pageIds(buckets, order, skip, take);
        if (!ids.length) return [];
        return model.findMany({ where: withIds({ in: ids }), orderBy: { id: order }, take: ids.length });
      }
      // Skipped rows are read from the (parent, id) index only, not the table: find the page's
      // first id, then read the page from there.
      const [first] = await model.findMany({ where: withIds(idFilter), orderBy: { id: order }, skip, take: 1, select: { id: true } });
      if (!first) return [];
      const from = order === 'desc' ? { lte: first.id } : { gte: first.id };
      return model.findMany({ where: withIds({ ...idFilter, ...from }), orderBy: { id: order }, take });
    },
  };
}

function bucketTerms(list: Omit<BucketedList, 'prisma'>) {
  return {
    table: Prisma.raw(`"${list.table}"`),
    owner: Prisma.raw(`"${list.ownerColumn}"`),
    ranges: Prisma.sql`SELECT "fromId", "size", lead("fromId") OVER (ORDER BY "fromId") AS upper
      FROM "ListBucket" WHERE "list" = ${list.table} AND "ownerId" = ${list.ownerId}`,
  };
}

/**
 * The ids of rows skip … skip+take in `order`, in one statement (one snapshot): the range that
 * holds row `skip` is found by summing the sizes of the ranges before it, and the page is read
 * from that range on, skipping fewer rows than a range holds.
 */
async function pageIds(list: BucketedList, order: 'asc' | 'desc', skip: number, take: number): Promise<string[]> {
  const rows = await list.prisma.$queryRaw<{ id: string }[]>(pageIdsQuery(list, order, skip, take));
  return rows.map((row) => row.id);
}

/** The query of pageIds (exported for bench:lists, which reads its plan). */
export function pageIdsQuery(list: Omit<BucketedList, 'prisma'>, order: 'asc' | 'desc', skip: number, take: number): Prisma.Sql {
  const { table, owner, ranges } = bucketTerms(list);
  const direction = Prisma.raw(order === 'desc' ? 'DESC' : 'ASC');
  const reverse = Prisma.raw(order === 'desc' ? 'ASC' : 'DESC');
  const read = (upper: Prisma.Sql) => Prisma.sql`(SELECT t.id FROM ${table} t
      WHERE t.${owner} = ${list.ownerId} AND t.id >= bounds.lower_id AND ${upper}
      ORDER BY t.id ${direction} OFFSET (${skip}::int - bounds.before) LIMIT ${take}::int)`;
  // The rows read lie between the range of the page's first row and the range of its last, so no
  // plan reads more than one range and a page. Conditions on `bounds` alone decide which branch
  // runs: an OR of them with the id bound would keep the bound out of the index scan.
  const [lower, upper] =
    order === 'desc' ? [Prisma.sql`last."fromId"`, Prisma.sql`here.upper`] : [Prisma.sql`here."fromId"`, Prisma.sql`last.upper`];
  return Prisma.sql`
    WITH b AS (${ranges}),
    placed AS (
      SELECT "fromId", upper, "size",
        coalesce(sum("size") OVER (ORDER BY "fromId" ${direction} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
      FROM b),
    here AS (SELECT * FROM placed WHERE before + "size" > ${skip} ORDER BY "fromId" ${direction} LIMIT 1),
    last AS (SELECT * FROM placed WHERE before < ${skip + take} ORDER BY "fromId" ${reverse} LIMIT 1),
    bounds AS (SELECT here.before, ${lower} AS lower_id, ${upper} AS upper_id FROM here, last)
    SELECT p.id FROM bounds CROSS JOIN LATERAL (
      ${read(Prisma.sql`bounds.upper_id IS NULL`)}
      UNION ALL
      ${read(Prisma.sql`bounds.upper_id IS NOT NULL AND t.id < bounds.upper_id`)}
    ) p
    ORDER BY p.id ${direction}`;
}

/**
 * A cursor's rank read from the kept ranges, when the list keeps them and the filter is a single
 * lower bound (what paginate counts for a cursor); undefined otherwise (count the rows).
 */
function rankFromRanges(list: BucketedList | undefined, idFilter: IdFilter | undefined): Promise<number> | undefined {
  if (!list || !idFilter || idFilter.lt || (idFilter.gt == null) === (idFilter.gte == null)) return undefined;
  return countFrom(list, idFilter.gte ?? idFilter.gt!, idFilter.gte != null);
}

/** How many rows have an id at or above `cursor` (`inclusive`) or above it: its rank. */
async function countFrom(list: BucketedList, cursor: string, inclusive: boolean): Promise<number> {
  const { table, owner, ranges } = bucketTerms(list);
  const bound = inclusive ? Prisma.sql`t.id >= ${cursor}` : Prisma.sql`t.id > ${cursor}`;
  const rows = await list.prisma.$queryRaw<{ n: bigint }[]>(Prisma.sql`
    WITH b AS (${ranges}),
    here AS (SELECT * FROM b WHERE "fromId" <= ${cursor} ORDER BY "fromId" DESC LIMIT 1)
    SELECT (SELECT coalesce(sum("size"), 0) FROM b WHERE "fromId" > here."fromId")
      + (SELECT count(*) FROM ${table} t WHERE here.upper IS NULL AND t.${owner} = ${list.ownerId} AND ${bound})
      + (SELECT count(*) FROM ${table} t WHERE here.upper IS NOT NULL AND t.${owner} = ${list.ownerId} AND ${bound}
          AND t.id < here.upper) AS n
    FROM here`);
  return Number(rows[0]?.n ?? 0);
}

/** A list size an account row keeps (see the list_counters migration). */
export async function accountCounter(
  prisma: PrismaClient,
  accountId: string,
  counter: 'agentCount' | 'apiKeyCount' | 'characterCount',
): Promise<number> {
  const account = await prisma.account.findUnique({ where: { id: accountId }, select: { [counter]: true } });
  return (account as Record<typeof counter, number> | null)?.[counter] ?? 0;
}

/** Rows that belong to a parent row (an agent's conversations, a conversation's messages). */
export type ChildRows<T> = {
  /** The table, as in the Prisma schema (no @@map): trusted, never from a request. */
  table: 'Conversation' | 'Message';
  parentColumn: 'agentId' | 'conversationId';
  /** Further equalities every row must meet (`accountId`, `userId`). */
  where: Record<string, string>;
  byIds(ids: string[]): PromiseLike<T[]>;
  isValidCursor(cursor: string): boolean;
  /**
   * The parent's kept count of these rows, when `where` narrows nothing the parent does not
   * (a conversation's messages; an agent's conversations of every user).
   */
  counter?: { table: 'Agent' | 'Conversation'; column: 'conversationCount' | 'messageCount' };
  /**
   * The parent's kept id ranges of these rows (see BucketedList), on the same terms as `counter`:
   * deep pages and cursor ranks are then read from them, one query per parent.
   */
  ranges?: Pick<BucketedList, 'table' | 'ownerColumn'>;
};

type IdFilter = { lt?: string; gt?: string; gte?: string };
type Pending<R> = { parentId: string; idFilter: IdFilter; resolve: (value: R) => void; reject: (error: unknown) => void };
type PendingFind = Pending<string[]> & { order: 'asc' | 'desc'; skip: number; take: number };

/**
 * Pages of many parents' children at once: the count() and findMany() calls that the parents'
 * connections make in the same turn of the event loop are answered by one SQL query each, so a
 * nested connection costs a few queries per level, not a few per parent row.
 */
export class ChildPages<T extends { id: string }> {
  private counts: Pending<number>[] = [];
  private totals: Pending<number>[] = [];
  private finds: PendingFind[] = [];
  private scheduled = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly rows: ChildRows<T>,
  ) {}

  /** The page source of one parent's children, for paginate(). */
  of(parentId: string): PageSource<T> {
    const ranged = this.rows.ranges ? { prisma: this.prisma, ...this.rows.ranges, ownerId: parentId } : undefined;
    return {
      isValidCursor: this.rows.isValidCursor,
      total: () =>
        new Promise((resolve, reject) =>
          this.enqueue(this.rows.counter ? this.totals : this.counts, { parentId, idFilter: {}, resolve, reject }),
        ),
      count: (idFilter = {}) =>
        rankFromRanges(ranged, idFilter) ??
        new Promise((resolve, reject) => this.enqueue(this.counts, { parentId, idFilter, resolve, reject })),
      findMany: async ({ idFilter = {}, order, skip, take }) => {
        if (ranged && skip > 0 && !idFilter.lt && !idFilter.gt) return this.load(await pageIds(ranged, order, skip, take));
        const ids = await new Promise<string[]>((resolve, reject) =>
          this.enqueue(this.finds, { parentId, idFilter, order, skip, take, resolve, reject }),
        );
        return this.load(ids);
      },
    };
  }

  private enqueue<P>(queue: P[], pending: P): void {
    queue.push(pending);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const counts = this.counts.splice(0);
      const totals = this.totals.splice(0);
      const finds = this.finds.splice(0);
      if (counts.length) settle(counts, this.countAll(counts));
      if (totals.length) settle(totals, this.totalAll(totals));
      if (finds.length) settle(finds, this.findAll(finds));
    });
  }

  private loads = new Map<string, Promise<Map<string, T>>>();

  /** Rows by id, loaded once for every parent that asked in the same turn. */
  private async load(ids: string[]): Promise<T[]> {
    const key = ids.join(',');
    let loading = this.loads.get(key);
    if (!loading) {
      loading = Promise.resolve(this.rows.byIds(ids)).then((found) => new Map(found.map((row) => [row.id, row])));
      this.loads.set(key, loading);
      void loading.finally(() => this.loads.delete(key)).catch(() => {});
    }
    const byId = await loading;
    return ids.map((id) => byId.get(id)).filter((row): row is T => row !== undefined);
  }

  /** `requests` as a VALUES list `q`: one numbered row each, with its page options when given. */
  private requestList(requests: { parentId: string; idFilter: IdFilter }[], pages?: PendingFind[]): Prisma.Sql {
    const values = Prisma.join(
      requests.map((r, k) => {
        const page = pages?.[k];
        const options = page ? Prisma.sql`, ${page.order === 'asc'}::boolean, ${page.skip}::int, ${page.take}::int` : Prisma.empty;
        return Prisma.sql`(${k}::int, ${r.parentId}::text, ${r.idFilter.lt ?? null}::text, ${r.idFilter.gt ?? null}::text, ${r.idFilter.gte ?? null}::text${options})`;
      }),
    );
    const columns = Prisma.raw(pages ? 'k, parent, lt, gt, gte, ascending, skip, take' : 'k, parent, lt, gt, gte');
    return Prisma.sql`(VALUES ${values}) AS q(${columns})`;
  }

  /** The rows `t` of the table that the request `q` asks about. */
  private rowsOfRequest(): Prisma.Sql {
    const equalities = Object.entries(this.rows.where).map(
      ([column, value]) => Prisma.sql` AND t.${Prisma.raw(`"${column}"`)} = ${value}`,
    );
    return Prisma.sql`t.${Prisma.raw(`"${this.rows.parentColumn}"`)} = q.parent
        AND (q.lt IS NULL OR t.id < q.lt) AND (q.gt IS NULL OR t.id > q.gt) AND (q.gte IS NULL OR t.id >= q.gte)
        ${equalities.length ? Prisma.join(equalities, '') : Prisma.empty}`;
  }

  private get table(): Prisma.Sql {
    return Prisma.raw(`"${this.rows.table}"`);
  }

  private async countAll(requests: Pending<number>[]): Promise<number[]> {
    const rows = await this.prisma.$queryRaw<{ k: number; n: bigint }[]>(
      Prisma.sql`SELECT q.k, count(*) AS n FROM ${this.requestList(requests)} JOIN ${this.table} t ON ${this.rowsOfRequest()}
        GROUP BY q.k`,
    );
    const byRequest = new Map(rows.map((row) => [Number(row.k), Number(row.n)]));
    return requests.map((_, k) => byRequest.get(k) ?? 0);
  }

  private async totalAll(requests: Pending<number>[]): Promise<number[]> {
    const { table, column } = this.rows.counter!;
    const rows = await this.prisma.$queryRaw<{ id: string; n: number }[]>(
      Prisma.sql`SELECT id, ${Prisma.raw(`"${column}"`)} AS n FROM ${Prisma.raw(`"${table}"`)}
        WHERE id = ANY(${[...new Set(requests.map((r) => r.parentId))]}::text[])`,
    );
    const byParent = new Map(rows.map((row) => [row.id, Number(row.n)]));
    return requests.map((r) => byParent.get(r.parentId) ?? 0);
  }

  private async findAll(requests: PendingFind[]): Promise<string[][]> {
    // Each request's page read from the (parent, id) index in its own order, stopping at the
    // page's end; only one of the two branches runs for a request.
    const rows = await this.prisma.$queryRaw<{ k: number; id: string }[]>(
      Prisma.sql`SELECT q.k, p.id FROM ${this.requestList(requests, requests)}
      CROSS JOIN LATERAL (
        (SELECT t.id FROM ${this.table} t WHERE q.ascending AND ${this.rowsOfRequest()}
          ORDER BY t.id ASC OFFSET q.skip LIMIT q.take)
        UNION ALL
        (SELECT t.id FROM ${this.table} t WHERE NOT q.ascending AND ${this.rowsOfRequest()}
          ORDER BY t.id DESC OFFSET q.skip LIMIT q.take)
      ) p
      ORDER BY q.k, CASE WHEN q.ascending THEN p.id END ASC, p.id DESC`,
    );
    const byRequest = requests.map((): string[] => []);
    for (const row of rows) byRequest[Number(row.k)]!.push(row.id);
    return byRequest;
  }
}

function settle<R>(requests: Pending<R>[], answers: Promise<R[]>): void {
  answers.then(
    (values) => requests.forEach((request, k) => request.resolve(values[k]!)),
    (error: unknown) => requests.forEach((request) => request.reject(error)),
  );
}

/** One ChildPages per kind of child list and request (the GraphQL context owns it). */
export class PageBatches {
  private readonly byKind = new Map<string, ChildPages<any>>();

  constructor(private readonly prisma: PrismaClient) {}

  for<T extends { id: string }>(rows: ChildRows<T>): ChildPages<T> {
    const key = JSON.stringify([rows.table, rows.parentColumn, rows.where]);
    let pages = this.byKind.get(key);
    if (!pages) {
      pages = new ChildPages(this.prisma, rows);
      this.byKind.set(key, pages);
    }
    return pages as ChildPages<T>;
  }
}
