import { z } from 'zod';
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
