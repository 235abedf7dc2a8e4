package reporttest

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Margins are the distances in millimetres from the edges of a printed page to its ink: Top,
// Right, Bottom and Left to the ink of the page's body (the page above its footer), and Footer
// from the bottom edge to the footer's ink.
type Margins struct {
	Page                     int
	Top, Right, Bottom, Left float64
	Footer                   float64
}

func (m Margins) String() string {
	return fmt.Sprintf("page %d: top %.1f, right %.1f, bottom %.1f, left %.1f mm; footer %.1f mm from the bottom",
		m.Page, m.Top, m.Right, m.Bottom, m.Left, m.Footer)
}

// inkBelow is the grey level (0 black, 255 white) under which a pixel is ink: borders and text
// are, the pale fills of table headers and the verdict box are not.
const inkBelow = 230

// measureDPI is the resolution pages are rendered at: a pixel is 0.25 mm.
const measureDPI = 100

var (
	pageRe = regexp.MustCompile(`<page width="([0-9.]+)" height="([0-9.]+)">`)
	wordRe = regexp.MustCompile(`<word xMin="[0-9.]+" yMin="([0-9.]+)" xMax="[0-9.]+" yMax="[0-9.]+">([^<]*)</word>`)
)

// PDFMargins measures the margins of every page of the PDF file as a reader sees them: each
// page is rendered in grey (pdftoppm) and the ink found. The footer starts at the line of the
// word footerWord ("Trang" of "Trang x/y"), which pdftotext -bbox locates; a page without it
// is an error. Needs poppler-utils.
func PDFMargins(file, footerWord string) ([]Margins, error) {
	footers, sizes, err := footerTops(file, footerWord)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "margins")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if out, err := exec.Command("pdftoppm", "-gray", "-png", "-r", strconv.Itoa(measureDPI), file, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pdftoppm: %v: %s", err, out)
	}
	files, err := filepath.Glob(filepath.Join(dir, "p-*.png"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files) // pdftoppm pads the page numbers to one width
	if len(files) != len(footers) {
		return nil, fmt.Errorf("%d rendered pages, %d pages of text", len(files), len(footers))
	}
	mm := func(px int) float64 { return float64(px) * 25.4 / measureDPI }
	out := make([]Margins, 0, len(files))
	for i, f := range files {
		img, err := readPNG(f)
		if err != nil {
			return nil, err
		}
		b := img.Bounds()
		// The footer's top in pixels, from its top in points.
		split := int(footers[i] / sizes[i] * float64(b.Dy()))
		body, okBody := inkBox(img, image.Rect(b.Min.X, b.Min.Y, b.Max.X, split))
		foot, okFoot := inkBox(img, image.Rect(b.Min.X, split, b.Max.X, b.Max.Y))
		if !okBody || !okFoot {
			return nil, fmt.Errorf("page %d: no ink in its body or footer", i+1)
		}
		out = append(out, Margins{Page: i + 1, Top: mm(body.Min.Y - b.Min.Y), Right: mm(b.Max.X - body.Max.X),
			Bottom: mm(b.Max.Y - body.Max.Y), Left: mm(body.Min.X - b.Min.X), Footer: mm(b.Max.Y - foot.Max.Y)})
	}
	return out, nil
}

// footerTops returns, per page, the top of its footer line and the page's height, in points.
func footerTops(file, footerWord string) (tops, heights []float64, err error) {
	xml, err := exec.Command("pdftotext", "-bbox", file, "-").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("pdftotext -bbox: %w", err)
	}
	pages := strings.Split(string(xml), "</page>")
	for i, p := range pages {
		m := pageRe.FindStringSubmatch(p)
		if m == nil {
			continue
		}
		height, _ := strconv.ParseFloat(m[2], 64)
		top := -1.0
		for _, w := range wordRe.FindAllStringSubmatch(p, -1) {
			if w[2] == footerWord {
				y, _ := strconv.ParseFloat(w[1], 64)
				top = max(top, y)
			}
		}
		if top < 0 {
			return nil, nil, fmt.Errorf("page %d has no %q in its footer", i+1, footerWord)
		}
		// The words of the footer's line sit a little above the word's own top (other sizes).
		tops, heights = append(tops, top-2), append(heights, height)
	}
	return tops, heights, nil
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return img, nil
}

// inkBox returns the smallest rectangle holding every ink pixel of img inside r.
func inkBox(img image.Image, r image.Rectangle) (image.Rectangle, bool) {
	box, found := image.Rectangle{}, false
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y >= inkBelow {
				continue
			}
			px := image.Rect(x, y, x+1, y+1)
			if !found {
				box, found = px, true
			} else {
				box = box.Union(px)
			}
		}
	}
	return box, found
}
