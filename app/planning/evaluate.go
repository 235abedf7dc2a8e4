package planning

import (
	"context"
	"time"

	"github.com/paulmach/orb"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Evaluation is what a drawn route is worth over a look-back.
type Evaluation struct {
	LookBack
	Gaps     *coverage.Gaps
	Tonight  *NightSoFar // the planned night as of the clock
	LengthM  float64
	Cells    int                 // cells the route passes through
	Gain     Gain                // what it adds
	GapCells []*coverage.CellGap // the gap cells it covers, highest risk first
	KeyAreas []*coverage.KeyArea // the key areas it reaches
}

// Evaluate returns the length of a drawn route, the cells never patrolled in the look-back and
// the planned night so far that it would cover and the key areas it reaches, their nights judged
// as of now (due: not met on the planned night yet). A route whose cells cannot be found is a
// *patrol.FieldError naming "geometry".
func Evaluate(ctx context.Context, db coverage.Store, u patrol.Unit, l LookBack, lines orb.MultiLineString, now time.Time) (*Evaluation, error) {
	g, err := Gaps(ctx, db, u, l, now)
	if err != nil {
		return nil, err
	}
	cells, err := geo.CellsAlong(lines, g.Res)
	if err != nil {
		return nil, patrol.Invalid("geometry", err.Error())
	}
	e := &Evaluation{LookBack: l, Gaps: g, Tonight: NightOf(u, g, l, now), LengthM: geo.RouteLength(lines), Cells: len(cells)}
	e.Gain, e.GapCells, e.KeyAreas = GainOf(g, e.Tonight, cells)
	return e, nil
}
