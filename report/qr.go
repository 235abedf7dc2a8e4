package report

import (
	"fmt"
	"html/template"
	"strings"

	qr "github.com/piglig/go-qr"
)

// qrQuiet is the quiet zone around a QR code, in modules (ISO/IEC 18004 asks for 4).
const qrQuiet = 4

// qrSVG draws text as a QR code (error correction M) in inline SVG, one path of unit squares
// in module coordinates, without xmlns so the page holds no URL but the text itself; empty for
// empty text or text too long for a QR code.
func qrSVG(text string) template.HTML {
	if text == "" {
		return ""
	}
	code, err := qr.EncodeText(text, qr.Medium)
	if err != nil {
		return ""
	}
	n := code.Size()
	var d strings.Builder
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if code.Module(x, y) {
				fmt.Fprintf(&d, "M%d %dh1v1h-1z", x+qrQuiet, y+qrQuiet)
			}
		}
	}
	size := n + 2*qrQuiet
	return template.HTML(fmt.Sprintf(`<svg class="qr" viewBox="0 0 %d %d" role="img" aria-label="QR" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path d="%s" fill="#000"/></svg>`,
		size, size, size, size, d.String()))
}
