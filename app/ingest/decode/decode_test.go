package decode

import (
	"testing"
	"time"
)

func TestParseFixTime(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1709305200", "2024-03-01T15:00:00Z"},
		{"1709305200123", "2024-03-01T15:00:00.123Z"},
		{"1709305200.25", "2024-03-01T15:00:00.25Z"},
		{"2024-03-01T22:00:00+07:00", "2024-03-01T15:00:00Z"},
		{"2024-03-01T22:00:00.5+0700", "2024-03-01T15:00:00.5Z"},
		{"2024-03-01T15:00:00", "2024-03-01T15:00:00Z"},
		{"2024-03-01 15:00:00", "2024-03-01T15:00:00Z"},
		{" 2024-03-01T15:00:00.000Z ", "2024-03-01T15:00:00Z"},
		{"2024-03-01", ""}, {"yesterday", ""}, {"-5", ""}, {"NaN", ""}, {"0x10", ""}, {"", ""},
	} {
		got, err := ParseFixTime(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseFixTime(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339Nano) != tc.want {
			t.Errorf("ParseFixTime(%q) = %v, %v; want %s", tc.in, got.Format(time.RFC3339Nano), err, tc.want)
		}
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"Thời gian (giờ VN)": "thoi_gian", "\ufeffMã vụ việc": "ma_vu_viec", "Thoi-Gian": "thoi_gian",
		"Tho\u0300i gian": "thoi_gian", "ĐỊA CHỈ": "dia_chi", "  lat  ": "lat", "Loại vụ việc": "loai_vu_viec",
	} {
		if got := foldName(in); got != want {
			t.Errorf("foldName(%q) = %q, want %q", in, got, want)
		}
	}
}
