package statuspage

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestNotice: a view's notice is shown as text under the "as of" line,
// and a page without one has none.
func TestNotice(t *testing.T) {
	t.Parallel()
	v := fixtureView()
	v.Notice = `No full sync has finished <b>yet</b>.`
	h := newHandler(t, Options{Source: SourceFunc(func(context.Context) (View, error) { return v, nil })})
	res, body := get(t, h, http.MethodGet, "/status", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<p class="notice" role="status">No full sync has finished &lt;b&gt;yet&lt;/b&gt;.</p>`) {
		t.Errorf("notice not shown as text: %d", res.StatusCode)
	}
	_, body = get(t, newHandler(t, Options{}), http.MethodGet, "/status", nil)
	if strings.Contains(body, `class="notice"`) {
		t.Error("a notice without one")
	}
}
