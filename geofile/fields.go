package geofile

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s lower-cased without Vietnamese diacritics (đ → d) and with every run of
// spaces, underscores and dashes made one space: "Tổ  dân_phố" → "to dan pho". Field names
// and kind values are compared folded, so files typed with or without accents match.
func Fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case unicode.IsSpace(r) || r == '_' || r == '-' || r == '.':
			if b.Len() > 0 {
				space = true
			}
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// KindBoundary is the pseudo-kind of a feature that is the unit's boundary (loai = "ranh
// giới"): it sets the boundary when asked and is never stored as an area.
const KindBoundary = "boundary"

// kindWords maps folded kind values to area kinds. The interface codes themselves are
// accepted too.
var kindWords = map[string]string{
	"residential group": "residential_group", "to dan pho": "residential_group", "tdp": "residential_group",
	"to": "residential_group", "thon": "residential_group", "xom": "residential_group", "ap": "residential_group",
	"ban": "residential_group", "khu pho": "residential_group", "khom": "residential_group",
	"khu dan cu": "residential_group", "cum dan cu": "residential_group", "to dan cu": "residential_group",

	"key area": "key_area", "trong diem": "key_area", "khu vuc trong diem": "key_area", "dia ban trong diem": "key_area",
	"diem trong diem": "key_area", "khu trong diem": "key_area", "muc tieu trong diem": "key_area",
	"cho": "key_area", "truong hoc": "key_area", "cong truong": "key_area", "ben xe": "key_area",

	"key road": "key_road", "duong trong diem": "key_road", "tuyen duong trong diem": "key_road",
	"tuyen trong diem": "key_road", "tuyen duong": "key_road", "tuyen tuan tra": "key_road",

	"other": "other", "khac": "other", "khu vuc khac": "other",

	"boundary": KindBoundary, "ranh gioi": KindBoundary, "dia gioi": KindBoundary, "dia gioi hanh chinh": KindBoundary,
	"ranh gioi phuong": KindBoundary, "ranh gioi xa": KindBoundary, "ranh gioi don vi": KindBoundary,
	"unit": KindBoundary, "phuong": KindBoundary, "xa": KindBoundary,
}

// MapKind turns a kind value from a file ("Tổ dân phố", "trọng điểm", "key_area") into an area
// kind or KindBoundary; ok is false for a value it does not know.
func MapKind(v string) (kind string, ok bool) {
	switch v = strings.TrimSpace(v); v {
	case "key_area", "key_road", "residential_group", "other", KindBoundary:
		return v, true
	}
	k, ok := kindWords[Fold(v)]
	return k, ok
}

// KindValues lists, for messages, the kind values a file may use.
const KindValues = "tổ dân phố (thôn, xóm, ấp, khu phố), trọng điểm, đường trọng điểm, khác, ranh giới — or key_area, key_road, residential_group, other, boundary"

// nameFields and kindFields are the folded column names recognised for a feature's name and
// kind, best first.
var (
	nameFields = []string{"ten", "name", "ten khu vuc", "ten kv", "ten tdp", "ten to", "tento", "tentdp", "ten duong", "tenduong", "ten tuyen", "tentuyen", "ten thon", "tenthon", "label", "title"}
	kindFields = []string{"loai", "kind", "phan loai", "phanloai", "loai kv", "loaikv", "loai khu vuc", "type", "category"}
)

// FieldFor returns the property name among fields that best matches the wanted role (one of
// the folded candidates), or "" when none does. An exact folded match wins; then a column
// whose folded name starts with the first candidate ("ten_tdp" for "ten").
func FieldFor(fields []string, candidates []string) string {
	folded := make([]string, len(fields))
	for i, f := range fields {
		folded[i] = Fold(f)
	}
	for _, c := range candidates {
		for i, f := range folded {
			if f == c {
				return fields[i]
			}
		}
	}
	for i, f := range folded {
		if strings.HasPrefix(f, candidates[0]+" ") {
			return fields[i]
		}
	}
	return ""
}

// NameField returns the column holding names: ten, tên, name, ten_tdp, … or "".
func NameField(fields []string) string { return FieldFor(fields, nameFields) }

// KindField returns the column holding kinds: loai, loại, kind, … or "".
func KindField(fields []string) string { return FieldFor(fields, kindFields) }
