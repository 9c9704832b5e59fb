package ui

import (
	"context"
	"fmt"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/team"
)

// teamQuerier is a Querier whose queries go through the Team's cache;
// scope tells the Prometheus servers apart.
func teamQuerier(q query.Querier, t *team.Team, scope string) query.SharedQuerier {
	return query.SharedQuerier{Q: q, Share: t.Share, Scope: scope, Now: t.Now}
}

// teamDetail is a DetailSource whose refreshes go through the Team's
// cache: the range of a live detail ends at the last whole step, so that
// everyone on the same endpoint, range and width shares one refresh.
type teamDetail struct {
	src   DetailSource
	t     *team.Team
	scope string
}

// Detail implements DetailSource.
func (d teamDetail) Detail(ctx context.Context, s query.Shape, r query.DetailRequest) (*query.Detail, error) {
	if r.End.IsZero() && r.Range > 0 {
		plan := query.PlanDetail(r.Range, r.Columns, d.t.Now())
		r.End = plan.End.Truncate(plan.Step)
	}
	end := r.End
	keyed := r
	keyed.End = time.Time{}
	plan := query.PlanDetail(r.Range, r.Columns, end)
	key := fmt.Sprintf("detail\x00%s\x00%#v\x00%#v\x00%d", d.scope, s, keyed, end.UnixNano())
	a, err := d.t.Share(ctx, key, plan.Step, func(ctx context.Context) (any, error) {
		return d.src.Detail(ctx, s, r)
	})
	det, _ := a.(*query.Detail)
	return det, err
}
