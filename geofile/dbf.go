package geofile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"
)

// dbfField is one column of a dBASE table.
type dbfField struct {
	name   string
	raw    []byte // the name as stored, decoded once the code page is known
	typ    byte   // C character, N/F number, L logical, D date, M memo …
	offset int    // within the record, after the deletion flag
	length int
}

// dbfTable is a dBASE III/IV table as shapefiles use it.
type dbfTable struct {
	fields   []dbfField
	records  [][]byte // raw records without the deletion flag; nil for a deleted one
	encoding textEncoding
	warnings []string
}

// readDBF parses a .dbf file. cpg is the content of the .cpg file (may be empty): it names
// the code page of the text. Without one, text that is valid UTF-8 is read as UTF-8, other
// text as Windows-1258 (Vietnamese), with a warning.
func readDBF(data []byte, cpg string) (*dbfTable, error) {
	if len(data) < 32 {
		return nil, fmt.Errorf("the .dbf is too short (%d bytes)", len(data))
	}
	n := int(binary.LittleEndian.Uint32(data[4:8]))
	headerLen := int(binary.LittleEndian.Uint16(data[8:10]))
	recordLen := int(binary.LittleEndian.Uint16(data[10:12]))
	ldid := data[29]
	if headerLen < 33 || headerLen > len(data) || recordLen < 1 {
		return nil, fmt.Errorf("the .dbf header is broken (header %d bytes, record %d bytes)", headerLen, recordLen)
	}
	t := &dbfTable{}
	off := 1
	for p := 32; p+32 <= headerLen && data[p] != 0x0D; p += 32 {
		d := data[p : p+32]
		raw := d[:11]
		if i := bytes.IndexByte(raw, 0); i >= 0 {
			raw = raw[:i]
		}
		f := dbfField{raw: raw, typ: d[11], offset: off, length: int(d[16])}
		if f.typ == 'C' {
			// Character fields longer than 255 bytes keep the high byte in the decimals slot.
			f.length += int(d[17]) << 8
		}
		off += f.length
		t.fields = append(t.fields, f)
	}
	if off > recordLen {
		return nil, fmt.Errorf("the .dbf fields (%d bytes) do not fit its records (%d bytes)", off, recordLen)
	}
	if n > MaxFeatures {
		return nil, fmt.Errorf("the .dbf has %d records, more than %d", n, MaxFeatures)
	}
	for i := 0; i < n; i++ {
		start := headerLen + i*recordLen
		if start+recordLen > len(data) {
			t.warnings = append(t.warnings, fmt.Sprintf("the .dbf ends after %d of its %d records", i, n))
			break
		}
		rec := data[start : start+recordLen]
		if rec[0] == '*' {
			t.records = append(t.records, nil)
			continue
		}
		t.records = append(t.records, rec)
	}
	t.encoding = t.pickEncoding(cpg, ldid)
	for i := range t.fields {
		t.fields[i].name = strings.TrimSpace(t.encoding.decode(t.fields[i].raw))
	}
	return t, nil
}

func (t *dbfTable) pickEncoding(cpg string, ldid byte) textEncoding {
	if cpg = strings.TrimSpace(cpg); cpg != "" {
		if e, ok := lookupEncoding(cpg); ok {
			return e
		}
		t.warnings = append(t.warnings, fmt.Sprintf("the .cpg names code page %q, which is not known here; text is read as UTF-8 when it is valid UTF-8, else as Windows-1258", cpg))
	}
	allUTF8, anyHigh := true, false
	for _, rec := range t.records {
		if rec == nil {
			continue
		}
		for _, f := range t.fields {
			if f.typ != 'C' {
				continue
			}
			v := rec[f.offset : f.offset+f.length]
			for _, c := range v {
				if c >= 0x80 {
					anyHigh = true
					break
				}
			}
			if !utf8.Valid(v) && !utf8.Valid(trimPartialRune(v)) {
				allUTF8 = false
			}
		}
	}
	switch {
	case !anyHigh || allUTF8:
		return encUTF8
	case ldid == 0x03:
		return encCP1252
	}
	if cpg == "" {
		t.warnings = append(t.warnings, "the shapefile has no .cpg file and its text is not UTF-8: it is read as Windows-1258 (Vietnamese); add a .cpg naming the code page if names look wrong")
	}
	return encCP1258
}

// trimPartialRune drops a UTF-8 sequence cut off at the end of a fixed-width field (writers
// that count bytes, not characters, truncate in the middle of a letter).
func trimPartialRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}

// values returns record i as text by field name; ok is false for a deleted record.
func (t *dbfTable) values(i int) (map[string]string, bool) {
	rec := t.records[i]
	if rec == nil {
		return nil, false
	}
	out := make(map[string]string, len(t.fields))
	for _, f := range t.fields {
		raw := rec[f.offset : f.offset+f.length]
		var v string
		switch f.typ {
		case 'C':
			if t.encoding.decoder == nil {
				raw = trimPartialRune(raw)
			}
			v = strings.TrimRight(t.encoding.decode(raw), " \x00")
		case 'N', 'F':
			v = strings.TrimSpace(string(raw))
			if strings.Trim(v, "*") == "" {
				v = "" // overflow or null
			}
		case 'L':
			switch strings.ToUpper(strings.TrimSpace(string(raw))) {
			case "T", "Y":
				v = "true"
			case "F", "N":
				v = "false"
			}
		case 'D':
			s := strings.TrimSpace(string(raw))
			if len(s) == 8 {
				v = s[:4] + "-" + s[4:6] + "-" + s[6:]
			}
		default:
			continue // memo and binary fields live in other files
		}
		if v != "" {
			out[f.name] = v
		}
	}
	return out, true
}

func (t *dbfTable) names() []string {
	out := make([]string, 0, len(t.fields))
	for _, f := range t.fields {
		if f.typ == 'C' || f.typ == 'N' || f.typ == 'F' || f.typ == 'L' || f.typ == 'D' {
			out = append(out, f.name)
		}
	}
	return out
}
