// Package pdf prints a self-contained HTML page (a patrolmap report) to PDF with headless
// Chromium through the DevTools protocol (chromedp). It starts a private browser for each call,
// with its own temporary profile and every network request sent to a dead proxy, loads the page
// from memory and prints it on A4 with page numbers.
package pdf

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ErrNoBrowser is returned when no Chromium or Chrome executable can be found.
var ErrNoBrowser = errors.New("pdf: no Chromium or Chrome executable found (install the chromium package)")

// browserNames are the executables looked for on PATH, in order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless-shell"}

// Options tune Render; the zero value finds the browser on PATH and waits up to a minute.
type Options struct {
	ExecPath string        // the browser executable; FindBrowser when empty
	Timeout  time.Duration // default 60 s
	// Footer is the HTML template of every page's footer (Chromium's footerTemplate, with
	// pageNumber and totalPages spans); page x / y when empty.
	Footer string
}

// FindBrowser returns the path of the first Chromium or Chrome executable on PATH, or
// ErrNoBrowser.
func FindBrowser() (string, error) {
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// slots bounds the browsers printing at once in this process: each is a few hundred MB.
var slots = make(chan struct{}, 2)

// footer is the page number printed at the bottom of every page.
const footer = `<div style="font-size:8px;width:100%;text-align:center;color:#555;font-family:sans-serif"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`

// Render prints the HTML page to PDF on A4 paper, backgrounds included, honouring the page's
// own @page rules. At most two browsers print at once in a process; others wait their turn
// within the timeout.
func Render(ctx context.Context, html []byte, opt Options) ([]byte, error) {
	path := opt.ExecPath
	if path == "" {
		var err error
		if path, err = FindBrowser(); err != nil {
			return nil, err
		}
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 60 * time.Second
	}
	profile, err := os.MkdirTemp("", "patrolmap-pdf-")
	if err != nil {
		return nil, fmt.Errorf("pdf: browser profile: %w", err)
	}
	defer os.RemoveAll(profile)

	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
	case <-ctx.Done():
		return nil, fmt.Errorf("pdf: waiting for a free browser: %w", ctx.Err())
	}
	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// The page needs nothing from a network; send anything it might ask for nowhere.
		chromedp.ProxyServer("127.0.0.1:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocOpts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	if err := chromedp.Do(bctx,
		chromedp.Navigate("about:blank"),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			tree, err := cdp.Call(ctx, t, page.GetFrameTree, cdp.Empty{})
			if err != nil {
				return err
			}
			_, err = cdp.Call(ctx, t, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: tree.FrameTree.Frame.ID, HTML: string(html)})
			return err
		}),
		chromedp.WaitReady("body"),
	); err != nil {
		return nil, fmt.Errorf("pdf: load the page in %s: %w", path, err)
	}
	out, err := chromedp.Run(bctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(chromedp.PaperA4),
		chromedp.PDFPrintBackground(),
		chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFHeaderTemplate(`<span></span>`),
		chromedp.PDFFooterTemplate(cmp.Or(opt.Footer, footer)),
		chromedp.PDFOutlineAndTagged(),
	))
	if err != nil {
		return nil, fmt.Errorf("pdf: print: %w", err)
	}
	return out, nil
}
