// Package geo is patrolmap's pure computation: coordinate conversion, night
// windows and periods, GPS fix cleaning, H3 patrol coverage and key-area
// visits, and the hot-spot statistics (Gi*, FDR, Mann-Kendall, emerging hot
// spots, forecast checks).
//
// Everything here is a function of its arguments. There is no I/O, no
// database, no HTTP, no package-level state and no clock: callers pass the
// current time and the unit's time zone in. The package imports only the
// standard library, github.com/paulmach/orb and github.com/uber/h3-go/v4.
//
// # Coordinate order
//
// orb and GeoJSON write points as [lon, lat]; h3 LatLng and Leaflet as
// (lat, lng). The conversion happens only in coords.go (LatLngOf, PointOf,
// CellOf, CellPolygon, CellCentre); everything else takes orb.Point.
//
// # Coverage in one paragraph
//
// Fixes of one device are sorted and de-duplicated by time, flagged
// (FlagTrack) and the flagged ones dropped. Two consecutive remaining fixes
// less than MaxSegmentGap apart with an implied speed below MaxSpeedKmh form
// a segment. A segment is sampled every CellStep metres, each sample stands
// for the stretch of the segment nearest to it, and the segment's time is
// split among the cells of the samples in proportion to those stretches.
// Only the parts inside the requested window and period count. A stay in a
// cell is a pass; returning after less than PassGap outside the cell
// continues the same pass. See DeviceVisits, MergeCoverage and Coverage.
package geo
