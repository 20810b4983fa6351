package demo

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestStatusPageOfTheDemoInChromium loads the demo world's status page,
// served by the wired daemon behind basic auth, in Debian's chromium: it
// loads without console errors or CSP violations, lists the overdue
// tickets the engine reports, draws a chart point per day the demo ran,
// shows the hostile ticket's markup as text, and leaves a screenshot for a
// person to look at ($PATCHBOT_ARTIFACTS, else the test's directory).
func TestStatusPageOfTheDemoInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is not on PATH and CI must run the browser test: .ci/run installs Debian's chromium (%v)", err)
		}
		t.Skipf("chromium is not on PATH: apt-get install -y chromium to run the browser test (%v)", err)
	}
	t.Parallel()
	w, srv := statusWorld(t)
	want := wantOverdue(t, w)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(bctx, func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				p = fmt.Sprintf("console.%s", ev.Type)
			}
		case *runtime.EventExceptionThrown:
			p = "exception: " + ev.ExceptionDetails.Text
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				p = fmt.Sprintf("log %s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		}
		if p != "" {
			mu.Lock()
			problems = append(problems, p)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("start chromium %s: %v", chromium, err)
	}

	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:pass"))
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("start chromium %s: %v", chromium, err)
	}
	if _, err := chromedp.Call(bctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/status"),
		chromedp.WaitReady(chromedp.CSS(`#overdue table`)),
	); err != nil {
		t.Fatal(err)
	}
	type facts struct {
		Overdue []string `json:"overdue"`
		Points  []int    `json:"points"`
		Scripts int      `json:"scripts"`
		Hostile bool     `json:"hostile"`
		Styled  bool     `json:"styled"`
	}
	got, err := chromedp.Run(bctx, chromedp.Evaluate[facts](`(() => ({
		overdue: Array.from(document.querySelectorAll('#overdue tbody th.key'), th => th.firstChild.textContent.trim()),
		points: ["open", "incomplete", "overdue"].map(n => document.querySelectorAll('svg g[data-series="' + n + '"] circle').length),
		scripts: document.scripts.length,
		hostile: document.body.innerText.includes("<!channel> patch now @here <@U07ANA0RT1Z>"),
		styled: getComputedStyle(document.querySelector('.table-wrap')).overflowX === 'auto',
	}))()`))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got.Overdue)
	if !slices.Equal(got.Overdue, want) {
		t.Errorf("overdue in the browser %v,\nthe engine reports %v", got.Overdue, want)
	}
	if !slices.Equal(got.Points, []int{7, 7, 7}) {
		t.Errorf("chart points per series %v, want 7 each", got.Points)
	}
	if got.Scripts != 0 || !got.Hostile {
		t.Errorf("%d scripts; hostile summary shown as text: %v", got.Scripts, got.Hostile)
	}
	if !got.Styled {
		t.Error("the stylesheet did not apply (blocked, or refused without credentials?)")
	}

	dir := t.TempDir()
	if d := os.Getenv("PATCHBOT_ARTIFACTS"); d != "" {
		must(t, os.MkdirAll(d, 0o755))
		dir = d
	}
	img, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	must(t, err)
	shot := filepath.Join(dir, "statuspage-demo.png")
	must(t, os.WriteFile(shot, img, 0o644))
	t.Logf("screenshot: %s", shot)

	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page wrote to the console:\n%s", strings.Join(problems, "\n"))
	}
}
