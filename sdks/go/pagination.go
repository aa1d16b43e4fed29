package orionos

import "context"

// Pagination is the page-number view of a list.
type Pagination struct {
	CurrentPage  int `json:"currentPage"`
	TotalPages   int `json:"totalPages"`
	TotalItems   int `json:"totalItems"`
	ItemsPerPage int `json:"itemsPerPage"`
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T        `json:"items"`
	Pagination Pagination `json:"pagination"`
}

// HasNextPage tells whether a page follows this one.
func (p *Page[T]) HasNextPage() bool { return p.Pagination.CurrentPage < p.Pagination.TotalPages }

// Iter walks every item of every page of a list, fetching each page when it gets there:
//
//	it := client.Agents.ListAutoPaging(ctx, &orionos.ListAgentsParams{Limit: 50})
//	for it.Next() {
//		agent := it.Current()
//	}
//	if err := it.Err(); err != nil { … }
type Iter[T any] struct {
	fetch func(ctx context.Context, page int) (*Page[T], error)
	ctx   context.Context
	page  *Page[T]
	next  int
	index int
	cur   T
	err   error
	done  bool
}

func newIter[T any](fetch func(ctx context.Context, page int) (*Page[T], error), ctx context.Context, start int) *Iter[T] {
	if ctx == nil {
		ctx = context.Background()
	}
	return &Iter[T]{fetch: fetch, ctx: ctx, next: start}
}

// Next moves to the next item; false at the end of the list or on an error (see Err).
func (it *Iter[T]) Next() bool {
	for !it.done {
		if it.page != nil && it.index < len(it.page.Items) {
			it.cur = it.page.Items[it.index]
			it.index++
			return true
		}
		if it.page != nil && (!it.page.HasNextPage() || len(it.page.Items) == 0) {
			it.done = true
			break
		}
		page, err := it.fetch(it.ctx, it.next)
		if err != nil {
			it.err = err
			it.done = true
			break
		}
		it.page, it.index = page, 0
		it.next++
	}
	return false
}

// Current is the item Next moved to.
func (it *Iter[T]) Current() T { return it.cur }

// Page is the page of the current item.
func (it *Iter[T]) Page() *Page[T] { return it.page }

// Err is the error that ended the iteration, if any.
func (it *Iter[T]) Err() error { return it.err }

// All reads every remaining item.
func (it *Iter[T]) All() ([]T, error) {
	var out []T
	for it.Next() {
		out = append(out, it.Current())
	}
	return out, it.Err()
}
