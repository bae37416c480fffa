package okta

import (
	"context"
	"fmt"
	"iter"
)

// paginate yields the items of first's answer and of every page after it, following
// Link rel="next" exactly (c.target refuses a link to another origin). It stops after a page
// without a next link, after an empty page, or when a next link repeats the page just read
// (a server bug that would otherwise loop forever). An error is yielded once and ends it.
func paginate[T any](c *Client, ctx context.Context, first *request) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		r := first
		for {
			var page []T
			resp, err := c.call(ctx, r, &page)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range page {
				if !yield(item, nil) {
					return
				}
			}
			next := nextLink(resp.header)
			if next == "" || len(page) == 0 {
				return
			}
			if next == r.link {
				yield(zero, fmt.Errorf("okta: the next link repeats the page just read"))
				return
			}
			r = &request{method: r.method, link: next}
		}
	}
}
