package places

import "testing"

func TestTitle(t *testing.T) {
	m := func(n int) *int { return &n }
	tests := []struct {
		name string
		in   Place
		want string
	}{
		{"road within 150 m and group", Place{Road: "Ngõ 25", RoadM: m(150), Groups: []string{"Tổ 17", "Tổ 3"}}, "Ngõ 25, Tổ 17"},
		{"road farther than 150 m: the group alone", Place{Road: "Ngõ 25", RoadM: m(151), Groups: []string{"Tổ 17"}, KeyAreas: []string{"Chợ"}}, "Tổ 17"},
		{"no group, a key area before a far road", Place{Road: "Ngõ 25", RoadM: m(300), KeyAreas: []string{"Chợ", "Trường"}}, "Chợ"},
		{"road within 150 m and a key area: the road", Place{Road: "Ngõ 25", RoadM: m(20), KeyAreas: []string{"Chợ"}}, "Ngõ 25"},
		{"only a road within 500 m", Place{Road: "Ngõ 25", RoadM: m(500)}, "Ngõ 25"},
		{"only a road beyond 500 m", Place{Road: "Ngõ 25", RoadM: m(501)}, ""},
		{"nothing", Place{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := title(tc.in); got != tc.want {
				t.Fatalf("title = %q, want %q", got, tc.want)
			}
		})
	}
}
