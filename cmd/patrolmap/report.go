package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/patrolmap/patrolmap/app/reporting"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report/pdf"
)

const reportUsage = "report --unit CODE --from DATE --to DATE -o FILE.html [--lang vi|en] [--pdf FILE.pdf]"

// cmdReport runs `patrolmap report --unit CODE --from DATE --to DATE -o FILE.html [--lang en]
// [--pdf FILE.pdf]`: the proof report that GET /api/v1/report serves, written to a file, and
// printed to PDF through headless Chromium when --pdf is given. It calls the report use case
// (app/reporting) and its renderer directly, and prints the verdict and the SHA-256 of the
// report's content; the exit status is 0 for any verdict.
func cmdReport(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	unit := fs.String("unit", "", "code of the unit")
	from := fs.String("from", "", "first day (YYYY-MM-DD, local) or an RFC 3339 instant")
	to := fs.String("to", "", "the day after the last (YYYY-MM-DD, local) or an RFC 3339 instant")
	out := fs.String("o", "", "the HTML file to write")
	fs.StringVar(out, "out", "", "the HTML file to write")
	lang := fs.String("lang", "vi", "vi or en")
	pdfOut := fs.String("pdf", "", "also print the report to this PDF file (needs Chromium)")
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Sprintf("report: %v; usage: %s", err, reportUsage)}
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("report: unexpected argument %q; usage: %s", fs.Arg(0), reportUsage)}
	case *unit == "" || *from == "" || *to == "" || *out == "":
		return usageError{"report needs --unit, --from, --to and -o; usage: " + reportUsage}
	case *lang != "vi" && *lang != "en":
		return usageError{fmt.Sprintf("report: --lang %q is not vi or en", *lang)}
	}
	s, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	svc := &reporting.Service{Repo: s, Now: time.Now, Version: version}
	d, err := svc.Build(ctx, reporting.Request{Unit: *unit, From: *from, To: *to, Lang: *lang})
	if errors.Is(err, patrol.ErrNotFound) {
		return fmt.Errorf("report: no unit with code %q", *unit)
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	html, sum, err := d.Render("")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, html); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report %s: %s, %s, verdict %s, content sha256 %s (a draft: archive it with POST /api/v1/reports to number it and make the hash verifiable), data up to %s\n",
		d.Unit.Code, *out, periodWords(d.Content.Period), d.Verdict.Value, sum, d.Cutoff.Format(time.RFC3339))
	if *pdfOut != "" {
		doc, err := pdf.Render(ctx, html, pdf.Options{Timeout: 2 * time.Minute, Footer: d.PDFFooter("", sum)})
		if err != nil {
			return fmt.Errorf("report: PDF: %w", err)
		}
		if err := writeFileAtomic(*pdfOut, doc); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report %s: %s (%d bytes)\n", d.Unit.Code, *pdfOut, len(doc))
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside name and renames it into place, so a
// reader never sees half a report.
func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(dirOf(name), ".patrolmap-report-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

func dirOf(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if os.IsPathSeparator(name[i]) {
			return name[:i+1]
		}
	}
	return "."
}

// periodWords writes the period as the report does: the first day and the last day included.
func periodWords(p reporting.ContentPeriod) string {
	if p.LastDay != "" {
		return "from " + p.From + " through " + p.LastDay + " (đến hết ngày " + p.LastDay + ")"
	}
	return "from " + p.FromInstant + " to " + p.ToInstant
}
