// Iteration over every page of a list: `for await (const agent of orion.paginate(orion.agents.list))`.
import type { Page, PageParams, RequestOptions } from './types.js';

/**
 * A paged list call: any SDK list method whose first argument is its `{page, limit, …}` params
 * (`orion.agents.list`, `orion.knowledge.list`, `orion.conversations.search`…), or an arrow
 * function that puts them in place for one that takes an id first
 * (`(params) => orion.tools.list(agentId, params)`).
 */
export type PageLister<T, P extends PageParams | undefined = PageParams> = (
  params: P,
  options?: RequestOptions,
) => Promise<{ readonly data: Page<T> }>;

/** The params of a paged list, as `paginate` takes them: its own, with `page` the one to start from. */
export type ListParams<P> = Omit<NonNullable<P>, 'page'> & { page?: number };

/**
 * Every item of a paged list, page after page, as an async iterator:
 *
 * ```ts
 * for await (const agent of paginate(orion.agents.list, { limit: 100 })) console.log(agent.name);
 * for await (const tool of paginate((params) => orion.tools.list(agentId, params))) …
 * ```
 *
 * `params` are the list's own (its filters, `limit`, and `page` to start from, default 1); they
 * are passed on with `page` set to each page in turn, and `options` with every call. It asks for
 * the next page only when the loop reaches it, and stops after the last page
 * (`pagination.totalPages`, read again from every answer) or at the first empty one, so it never
 * fetches past the end; leaving the loop early fetches nothing more. A failed call throws from
 * the loop, after that call's own retries.
 *
 * Lists are offset-paged, newest first. An item added while you iterate goes to the front of the
 * list, onto a page already read: it is not yielded, and it pushes each later item one place
 * back, so the item at the end of a page comes again at the start of the next (and the list gains
 * a page when one overflows, which is then read too). Items with an `id` are yielded once each:
 * an id already yielded is skipped. An item removed while you iterate pulls the later items one
 * place forward, so one of them may be missed. For a consistent snapshot of a busy list, narrow
 * it with its filters (e.g. `conversations.search({from, to})`).
 */
export async function* paginate<T, P extends PageParams | undefined = PageParams>(
  list: PageLister<T, P>,
  params?: ListParams<P>,
  options?: RequestOptions,
): AsyncGenerator<T, void, undefined> {
  if (typeof list !== 'function') throw new TypeError('paginate: list must be a function (a list method or an arrow function)');
  let page = params?.page ?? 1;
  if (!Number.isInteger(page) || page < 1) throw new TypeError('paginate: page must be an integer, 1 or more');
  const seen = new Set<string>();
  for (;;) {
    const response = await list({ ...params, page } as P, options);
    const { items, pagination } = response.data;
    for (const item of items) {
      const itemId = (item as { id?: unknown } | null)?.id;
      if (typeof itemId === 'string') {
        if (seen.has(itemId)) continue;
        seen.add(itemId);
      }
      yield item;
    }
    if (items.length === 0 || page >= pagination.totalPages) return;
    page += 1;
  }
}
