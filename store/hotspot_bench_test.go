package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// hotspotBenchIncidents is how many incidents the IncidentCube benchmarks count.
const hotspotBenchIncidents = 100_000

// hotspotBenchStart is the first day of the benchmark year.
var hotspotBenchStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// hotspotBenchStore returns a store with a 3 km × 3 km unit at resolution 10 (about 600 study
// cells) and a year of 100,000 incidents in it, one in 50 void.
func hotspotBenchStore(b *testing.B) (*store.Store, patrol.Unit) {
	b.Helper()
	ctx := context.Background()
	s := storetest.New(b)
	u, err := s.CreateUnit(ctx, patrol.Unit{Code: "bench", Name: "bench", TimeZone: "Asia/Ho_Chi_Minh", H3Res: 10,
		NightStart: "22:00", NightEnd: "05:00",
		Boundary: json.RawMessage(`{"type":"Polygon","coordinates":[[[105.83,21.45],[105.86,21.45],[105.86,21.48],[105.83,21.48],[105.83,21.45]]]}`)})
	if err != nil {
		b.Fatal(err)
	}
	// Deterministic positions and times from multiplicative hashes of the row number.
	_, err = s.Pool().Exec(ctx, `INSERT INTO incident (unit_id, external_id, ts, geom, category, severity, status)
		SELECT $1, 'bench-' || g,
		       $2::timestamptz + ((g * 7919) % 31536000) * interval '1 second',
		       ST_SetSRID(ST_MakePoint(105.83 + 0.03 * ((g * 104729) % 100003) / 100003.0,
		                               21.45 + 0.03 * ((g * 130363) % 100019) / 100019.0), 4326),
		       (ARRAY['theft', 'drugs', 'disorder', 'fraud'])[1 + g % 4], 1 + g % 5,
		       CASE WHEN g % 50 = 0 THEN 'void' ELSE 'open' END
		FROM generate_series(1, $3::bigint) g`, u.ID, hotspotBenchStart, hotspotBenchIncidents)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `ANALYZE incident`); err != nil {
		b.Fatal(err)
	}
	return s, u
}

// weekBounds returns n+1 weekly bounds from the benchmark start.
func weekBounds(n int) []time.Time {
	out := make([]time.Time, n+1)
	for i := range out {
		out[i] = hotspotBenchStart.AddDate(0, 0, 7*i)
	}
	return out
}

// BenchmarkIncidentCube100k counts 100,000 incidents per H3 cell for a hot spot request (one
// step) and an emerging one (52 weekly steps): the query, the binning in Go and the study area.
func BenchmarkIncidentCube100k(b *testing.B) {
	s, u := hotspotBenchStore(b)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		bounds []time.Time
	}{
		{"steps=1", []time.Time{hotspotBenchStart, hotspotBenchStart.AddDate(1, 0, 0)}},
		{"steps=52", weekBounds(52)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var n float64
			for b.Loop() {
				cells, counts, err := s.IncidentCube(ctx, u.ID, 10, tc.bounds, nil, 1)
				if err != nil {
					b.Fatal(err)
				}
				n = 0
				for _, row := range counts {
					for _, v := range row {
						n += v
					}
				}
				b.ReportMetric(float64(len(cells)), "cells")
			}
			b.ReportMetric(n, "incidents")
		})
	}
}

// BenchmarkIncidentCubeQueryOnly100k runs the same query as IncidentCube and only scans the
// rows, so that the difference to BenchmarkIncidentCube100k is the cost of binning in Go.
func BenchmarkIncidentCubeQueryOnly100k(b *testing.B) {
	s, u := hotspotBenchStore(b)
	ctx := context.Background()
	to := hotspotBenchStart.AddDate(1, 0, 0)
	for b.Loop() {
		rows, err := s.Pool().Query(ctx, `SELECT ts, ST_X(geom), ST_Y(geom) FROM incident
			WHERE unit_id = $1 AND ts >= $2 AND ts < $3 AND status <> 'void'
			  AND ($4::text[] IS NULL OR category = ANY ($4::text[])) AND severity >= $5`,
			u.ID, hotspotBenchStart, to, []string(nil), 1)
		if err != nil {
			b.Fatal(err)
		}
		var ts time.Time
		var lon, lat float64
		for rows.Next() {
			if err := rows.Scan(&ts, &lon, &lat); err != nil {
				b.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
	}
}
