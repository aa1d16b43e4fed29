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

  const totalItems = await source.count();

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
  const items =
    offset >= totalItems ? [] : await source.findMany({ order: 'desc', skip: offset, take: limit });
  return {
    items,
    pagination: { ...buildPagination(totalItems, limit, offset), currentPage: page },
    hasNextPage: offset + items.length < totalItems,
    hasPreviousPage: page > 1,
  };
}

/** A Prisma model delegate, as far as pagination needs it. */
type IdOrderedModel<T> = {
  count(args: { where: object }): PromiseLike<number>;
  findMany(args: { where: object; orderBy: { id: 'asc' | 'desc' }; skip: number; take: number }): PromiseLike<T[]>;
};

/** Rows of `model` matching `where`, paged by their time-ordered IDs. */
export function idOrderedSource<T extends { id: string }>(
  model: IdOrderedModel<T>,
  where: object,
  isValidCursor: (cursor: string) => boolean,
): PageSource<T> {
  const withIds = (idFilter?: object) => (idFilter ? { ...where, id: idFilter } : where);
  return {
    isValidCursor,
    count: (idFilter) => Promise.resolve(model.count({ where: withIds(idFilter) })),
    findMany: ({ idFilter, order, skip, take }) =>
      Promise.resolve(model.findMany({ where: withIds(idFilter), orderBy: { id: order }, skip, take })),
  };
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
  private finds: PendingFind[] = [];
  private scheduled = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly rows: ChildRows<T>,
  ) {}

  /** The page source of one parent's children, for paginate(). */
  of(parentId: string): PageSource<T> {
    return {
      isValidCursor: this.rows.isValidCursor,
      count: (idFilter = {}) => new Promise((resolve, reject) => this.enqueue(this.counts, { parentId, idFilter, resolve, reject })),
      findMany: async ({ idFilter = {}, order, skip, take }) => {
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
      const finds = this.finds.splice(0);
      if (counts.length) settle(counts, this.countAll(counts));
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

  /**
   * `requests` as a VALUES list (one numbered row each, with its page options when given),
   * joined to the table's rows they ask about.
   */
  private joined(requests: { parentId: string; idFilter: IdFilter }[], pages?: PendingFind[]): Prisma.Sql {
    const values = Prisma.join(
      requests.map((r, k) => {
        const page = pages?.[k];
        const options = page ? Prisma.sql`, ${page.order === 'asc'}::boolean, ${page.skip}::int, ${page.take}::int` : Prisma.empty;
        return Prisma.sql`(${k}::int, ${r.parentId}::text, ${r.idFilter.lt ?? null}::text, ${r.idFilter.gt ?? null}::text, ${r.idFilter.gte ?? null}::text${options})`;
      }),
    );
    const columns = Prisma.raw(pages ? 'k, parent, lt, gt, gte, ascending, skip, take' : 'k, parent, lt, gt, gte');
    const equalities = Object.entries(this.rows.where).map(
      ([column, value]) => Prisma.sql` AND t.${Prisma.raw(`"${column}"`)} = ${value}`,
    );
    return Prisma.sql`FROM (VALUES ${values}) AS q(${columns})
      JOIN ${Prisma.raw(`"${this.rows.table}"`)} t ON t.${Prisma.raw(`"${this.rows.parentColumn}"`)} = q.parent
        AND (q.lt IS NULL OR t.id < q.lt) AND (q.gt IS NULL OR t.id > q.gt) AND (q.gte IS NULL OR t.id >= q.gte)
        ${equalities.length ? Prisma.join(equalities, '') : Prisma.empty}`;
  }

  private async countAll(requests: Pending<number>[]): Promise<number[]> {
    const rows = await this.prisma.$queryRaw<{ k: number; n: bigint }[]>(
      Prisma.sql`SELECT q.k, count(*) AS n ${this.joined(requests)} GROUP BY q.k`,
    );
    const byRequest = new Map(rows.map((row) => [Number(row.k), Number(row.n)]));
    return requests.map((_, k) => byRequest.get(k) ?? 0);
  }

  private async findAll(requests: PendingFind[]): Promise<string[][]> {
    // Each request's rows numbered in its own order; its page is rows skip+1 … skip+take.
    const rows = await this.prisma.$queryRaw<{ k: number; id: string }[]>(
      Prisma.sql`SELECT k, id FROM (
        SELECT q.k, t.id, q.skip, q.take,
          ROW_NUMBER() OVER (PARTITION BY q.k ORDER BY CASE WHEN q.ascending THEN t.id END ASC, t.id DESC) AS n
        ${this.joined(requests, requests)}
      ) numbered
      WHERE n > skip AND n <= skip + take
      ORDER BY k, n`,
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
