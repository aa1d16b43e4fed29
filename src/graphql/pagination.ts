import type { Page } from '../services/pagination.js';
import { builder } from './builder.js';

export const PaginationRef = builder
  .objectRef<Page<unknown>['pagination']>('Pagination')
  .implement({
    description: 'Page-number view of a list, the same object REST list routes return.',
    fields: (t) => ({
      currentPage: t.exposeInt('currentPage', {
        description: 'The number of this page, from 1 (with cursor paging: the page these items would be on at this page size).',
      }),
      totalPages: t.exposeInt('totalPages', { description: 'How many pages of itemsPerPage the whole list makes (0 for an empty list).' }),
      totalItems: t.exposeInt('totalItems', { description: 'How many items the whole list has, across all pages.' }),
      itemsPerPage: t.exposeInt('itemsPerPage', { description: 'The page size: `limit`, `first` or `last` as given, else 20.' }),
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
const connectionExtras = {
  fields: (t: any) => ({
    totalCount: t.int({
      description: 'How many items the whole list has, across all pages (the same as pagination.totalItems).',
      resolve: (c: ConnectionWithPage<unknown>) => c.totalCount,
    }),
    pagination: t.field({
      type: PaginationRef,
      description: 'This page as page numbers: the `pagination` object of the REST list response.',
      resolve: (c: ConnectionWithPage<unknown>) => c.pagination,
    }),
  }),
};

/** The options of a connection type `name` listing `items` ("agents"): its description and extra fields. */
export function connectionOf(name: string, items: string) {
  return {
    name,
    description: `A page of ${items}. Page with first/after or last/before (Relay cursors) or with page/limit; totalCount and pagination describe the whole list.`,
    ...connectionExtras,
  };
}

/** The options of the edge type of a connection of `item`s ("agent"). */
export function edgeOf(item: string) {
  return { description: `One ${item} of a page, with its cursor.`, nodeField: { description: `The ${item}.` } };
}
