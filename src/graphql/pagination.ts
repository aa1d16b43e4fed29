import type { Page } from '../services/pagination.js';
import { builder } from './builder.js';

export const PaginationRef = builder
  .objectRef<Page<unknown>['pagination']>('Pagination')
  .implement({
    description: 'Page-number view of a list, the same object REST list routes return.',
    fields: (t) => ({
      currentPage: t.exposeInt('currentPage'),
      totalPages: t.exposeInt('totalPages'),
      totalItems: t.exposeInt('totalItems'),
      itemsPerPage: t.exposeInt('itemsPerPage'),
    }),
  });

export const pageArgs = (t: { arg: { int: (o?: { description?: string }) => any } }) => ({
  page: t.arg.int({ description: 'Page number (1 or more). Cannot be combined with first/after/last/before.' }),
  limit: t.arg.int({ description: `Items per page, 1–100 (default 20).` }),
});

type ConnectionWithPage<T> = {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
  pagination: Page<T>['pagination'];
};

/** A service page as a Relay connection (cursors are the items' IDs). */
export function toConnection<T extends { id: string }>(page: Page<T>): ConnectionWithPage<T> {
  return {
    edges: page.items.map((node) => ({ cursor: node.id, node })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.items[0]?.id ?? null,
      endCursor: page.items.at(-1)?.id ?? null,
    },
    totalCount: page.pagination.totalItems,
    pagination: page.pagination,
  };
}

/** The fields every connection adds to Relay's: `totalCount` and `pagination`. */
export const connectionExtras = {
  fields: (t: any) => ({
    totalCount: t.int({ resolve: (c: ConnectionWithPage<unknown>) => c.totalCount }),
    pagination: t.field({ type: PaginationRef, resolve: (c: ConnectionWithPage<unknown>) => c.pagination }),
  }),
};
