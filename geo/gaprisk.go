package geo

// Weights of the gap risk (GapRisk).
const (
	// GapRiskNear weighs the severity of incidents in the cells around a gap (GridDisk 1).
	GapRiskNear = 0.5
	// GapRiskKeyArea is what each key area or key road a gap lies in adds.
	GapRiskKeyArea = 5.0
)

// GapRisk returns the risk that ranks a coverage gap (GET /api/v1/gaps and the route planner):
//
//	shortfall × (1 + severityIn + GapRiskNear × severityNear + GapRiskKeyArea × keyAreas)
//
// shortfall is the share of the requirement missed (1 for a cell never visited or an area missed
// every night), severityIn the summed severity of the period's history of non-void incidents
// inside the cell (the area's cells), severityNear that of the ring around it, and keyAreas the
// number of key areas the cell lies in (1 for a key area itself).
func GapRisk(shortfall float64, severityIn, severityNear int, keyAreas int) float64 {
	return shortfall * (1 + float64(severityIn) + GapRiskNear*float64(severityNear) + GapRiskKeyArea*float64(keyAreas))
}
