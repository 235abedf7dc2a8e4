package geofile

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// textEncoding is a character set attribute text may be written in; decoder is nil for UTF-8.
type textEncoding struct {
	name    string
	decoder encoding.Encoding
}

var (
	encUTF8    = textEncoding{name: "UTF-8"}
	encCP1258  = textEncoding{name: "windows-1258", decoder: charmap.Windows1258}
	encCP1252  = textEncoding{name: "windows-1252", decoder: charmap.Windows1252}
	encLatin1  = textEncoding{name: "ISO-8859-1", decoder: charmap.ISO8859_1}
	encodings  = map[string]textEncoding{}
	encLabels  = [][]string{{"UTF-8", "UTF8", "65001", "UNICODE"}, {"WINDOWS-1258", "CP1258", "1258", "ANSI1258", "VIETNAMESE"}, {"WINDOWS-1252", "CP1252", "1252", "ANSI1252"}, {"ISO-8859-1", "ISO8859-1", "88591", "8859-1", "LATIN1", "ISO88591"}}
	encByIndex = []textEncoding{encUTF8, encCP1258, encCP1252, encLatin1}
)

func init() {
	for i, labels := range encLabels {
		for _, l := range labels {
			encodings[l] = encByIndex[i]
		}
	}
}

// lookupEncoding finds an encoding by a .cpg or XML label ("UTF-8", "1258", "ANSI 1258").
func lookupEncoding(label string) (textEncoding, bool) {
	l := strings.ToUpper(strings.Join(strings.Fields(label), ""))
	l = strings.TrimPrefix(l, "ANSI") // "ANSI 1258" → "1258"
	if e, ok := encodings[l]; ok {
		return e, true
	}
	e, ok := encodings["ANSI"+l]
	return e, ok
}

// decode turns b into NFC text. Vietnamese in Windows-1258 writes tone marks as combining
// characters ("ô" + U+0309); NFC joins them into the precomposed letters ("ổ") that the web
// map, search and comparisons expect.
func (e textEncoding) decode(b []byte) string {
	var s string
	if e.decoder == nil {
		if utf8.Valid(b) {
			s = string(b)
		} else {
			s = strings.ToValidUTF8(string(b), "\uFFFD")
		}
	} else {
		out, err := e.decoder.NewDecoder().Bytes(b)
		if err != nil {
			s = strings.ToValidUTF8(string(b), "\uFFFD")
		} else {
			s = string(out)
		}
	}
	return norm.NFC.String(s)
}
