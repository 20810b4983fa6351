package statuspage

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// consoleProblems collects what a clean page must not produce: errors and
// warnings written to the console, uncaught exceptions, and browser log
// entries such as a blocked resource, a failed load or a CSP violation.
type consoleProblems struct {
	mu   sync.Mutex
	seen []string
}

func (c *consoleProblems) listen(ev any) {
	var p string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			p = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		p = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			p += " " + ev.ExceptionDetails.Exception.Description
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			p = fmt.Sprintf("log %s/%s: %s (%s)", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL)
		}
	}
	if p != "" {
		c.mu.Lock()
		c.seen = append(c.seen, p)
		c.mu.Unlock()
	}
}

func (c *consoleProblems) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.seen
	c.seen = nil
	return s
}

// artifactDir is where the screenshots go: $PATCHBOT_ARTIFACTS when set
// (CI keeps it), else the test's temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("PATCHBOT_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestBrowser loads the page in Debian's chromium: no console errors or
// CSP violations, the overdue list and the chart as expected, the hostile
// ticket shown as text and never run, no sideways scrolling at phone
// width, and a screenshot at desktop and at phone width.
func TestBrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is not on PATH and CI must run the browser test: .ci/run installs Debian's chromium (%v)", err)
		}
		t.Skipf("chromium is not on PATH: apt-get install -y chromium to run the browser test (%v)", err)
	}

	h := newHandler(t, Options{})
	mux := http.NewServeMux()
	h.Register(mux)
	// A control page under the same policy with an inline script: the
	// browser must refuse it and say so, which shows that the listener
	// below would see a violation on the status page.
	mux.HandleFunc("/control", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><title>control</title><link rel="icon" href="data:,"></head>`+
			`<body><script>window.pwned = true</script></body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	var problems consoleProblems
	if err := chromedp.Listen(bctx, problems.listen); err != nil {
		t.Fatalf("start chromium %s: %v", chromium, err)
	}

	// The control: the inline script is blocked and reported.
	if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/control")); err != nil {
		t.Fatal(err)
	}
	ran, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.pwned === true`))
	if err != nil {
		t.Fatal(err)
	}
	control := problems.take()
	if ran || !slices.ContainsFunc(control, func(s string) bool { return strings.Contains(s, "Content Security Policy") }) {
		t.Fatalf("control page: inline script ran=%v, reported %q; the CSP or the listener does not work", ran, control)
	}

	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/status"),
		chromedp.WaitReady(chromedp.CSS(`#overdue table`)),
	); err != nil {
		t.Fatal(err)
	}

	type facts struct {
		Title      string   `json:"title"`
		Pwned      bool     `json:"pwned"`
		Scripts    int      `json:"scripts"`
		Images     int      `json:"images"`
		Handlers   int      `json:"handlers"`
		Overdue    []string `json:"overdue"`
		Points     []int    `json:"points"`
		Hostile    bool     `json:"hostile"`
		HostileOwn bool     `json:"hostileOwner"`
		Styled     bool     `json:"styled"`
		ChartName  string   `json:"chartName"`
	}
	got, err := chromedp.Run(bctx, chromedp.Evaluate[facts](`(() => {
		const text = s => s.textContent.trim();
		const series = ["open", "incomplete", "overdue"].map(n =>
			document.querySelectorAll('svg g[data-series="' + n + '"] circle').length);
		const overdue = document.querySelector('#overdue tbody').innerText;
		return {
			title: document.title,
			pwned: window.pwned === true || window.pwned === 1,
			scripts: document.scripts.length,
			images: document.images.length,
			handlers: document.querySelectorAll('[onclick],[onerror],[onmouseover],[onload]').length,
			overdue: Array.from(document.querySelectorAll('#overdue tbody th.key'), th => th.firstChild.textContent.trim()),
			points: series,
			hostile: overdue.includes("<script>document.title='pwned';window.pwned=true</script><img src=x onerror=\"window.pwned=true\">"),
			hostileOwner: overdue.includes('"><script>window.pwned=1</script>'),
			styled: getComputedStyle(document.querySelector('.table-wrap')).overflowX === 'auto',
			chartName: (() => { const svg = document.querySelector('figure.chart svg');
				return svg.getAttribute('aria-labelledby').split(' ').map(id => text(document.getElementById(id))).join(' | '); })(),
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Patch handoff status" || got.Pwned || got.Scripts != 0 || got.Images != 0 || got.Handlers != 0 {
		t.Errorf("hostile text ran or became markup: title %q, pwned %v, %d scripts, %d images, %d handlers",
			got.Title, got.Pwned, got.Scripts, got.Images, got.Handlers)
	}
	if !got.Hostile || !got.HostileOwn {
		t.Errorf("hostile text not shown as text: summary %v, owner %v", got.Hostile, got.HostileOwn)
	}
	if !slices.Equal(got.Overdue, wantOverdue) {
		t.Errorf("overdue list %v, want %v", got.Overdue, wantOverdue)
	}
	if !slices.Equal(got.Points, []int{ChartDays, ChartDays, ChartDays}) {
		t.Errorf("chart points per series %v, want %d each", got.Points, ChartDays)
	}
	if !got.Styled {
		t.Error("the stylesheet did not apply (blocked?)")
	}
	if !strings.HasPrefix(got.ChartName, "Open, incomplete and overdue tickets per day | Daily counts on 84") {
		t.Errorf("chart's accessible name %q", got.ChartName)
	}

	dir := artifactDir(t)
	shot := func(name string) {
		t.Helper()
		img, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // 100: PNG
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, img, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
	shot("statuspage-desktop.png")

	// Phone width: the page itself never scrolls sideways; wide tables
	// scroll inside their boxes.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	overflow, err := chromedp.Run(bctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(overflow) != 2 || overflow[0] > overflow[1] {
		t.Errorf("at phone width the page is %v px wide (scrollWidth, innerWidth)", overflow)
	}
	shot("statuspage-phone.png")

	// The filter form works under form-action 'self' and filters.
	if err := chromedp.Do(bctx, chromedp.SetValue(chromedp.ID("f-project"), "OPS")); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`form.filter button`)))
	if err != nil {
		t.Fatal(err)
	}
	filtered, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#overdue tbody th.key'), th => th.firstChild.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusOK || !strings.Contains(res.URL, "/status?project=OPS") || !slices.Equal(filtered, []string{"OPS-1"}) {
		t.Errorf("filter form: %d %s, overdue %v", res.Status, res.URL, filtered)
	}

	if p := problems.take(); len(p) > 0 {
		t.Errorf("the page wrote to the console:\n%s", strings.Join(p, "\n"))
	}
}
