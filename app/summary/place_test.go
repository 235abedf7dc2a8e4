package summary

import (
	"testing"

	"github.com/patrolmap/patrolmap/report"
)

func TestHotspotPlace(t *testing.T) {
	tests := []struct {
		name string
		in   report.ProblemHotspot
		want string
	}{
		{"road and group, the report's distance dropped", report.ProblemHotspot{Near: "Đường X (12 m)", Groups: []string{"Tổ 3", "Tổ 4"}}, "Đường X, Tổ 3"},
		{"group only", report.ProblemHotspot{Groups: []string{"Tổ 3"}}, "Tổ 3"},
		{"road only", report.ProblemHotspot{Near: "Đường X (120 m)"}, "Đường X"},
		{"a name with brackets inside keeps them", report.ProblemHotspot{Near: "Ngõ (cũ) 5"}, "Ngõ (cũ) 5"},
		{"nothing", report.ProblemHotspot{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := hotspotPlace(tc.in); got != tc.want {
				t.Fatalf("hotspotPlace = %q, want %q", got, tc.want)
			}
		})
	}
}
