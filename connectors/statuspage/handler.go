package statuspage

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Path is where the page lives; its stylesheet is under Path + "/static/".
const Path = "/status"

// DefaultPageSize is how many rows each list shows per page.
const DefaultPageSize = 50

// ContentSecurityPolicy is sent with every answer. The page has no script
// and no inline style; its stylesheet comes from the same origin, its chart
// is inline SVG, its icon a data: URL, and it may not be framed.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Options configure a Handler.
type Options struct {
	// Source gives the view; required.
	Source Source
	// Auth, when set, asks every request for these credentials. When nil
	// the page is open to whoever reaches it: bind it to 127.0.0.1 or put
	// an authenticating proxy in front (see the package documentation).
	Auth *BasicAuth
	// PageSize is the rows per list page; default DefaultPageSize.
	PageSize int
	// Location is the zone the page shows times and days in; default UTC.
	Location *time.Location
	// Logger receives request failures; default discards.
	Logger *slog.Logger
	// Now stands in for View.Now when the source leaves it zero; default
	// time.Now.
	Now func() time.Time
}

// Handler serves the status page (GET or HEAD Path) and its stylesheet.
type Handler struct {
	src    Source
	auth   *BasicAuth
	size   int
	loc    *time.Location
	log    *slog.Logger
	now    func() time.Time
	static http.Handler
}

// New checks the options and returns the handler.
func New(o Options) (*Handler, error) {
	if o.Source == nil {
		return nil, errors.New("statuspage: no source")
	}
	if o.Auth != nil {
		if err := o.Auth.validate(); err != nil {
			return nil, err
		}
	}
	h := &Handler{src: o.Source, auth: o.Auth, size: o.PageSize, loc: o.Location, log: o.Logger, now: o.Now}
	if h.size <= 0 {
		h.size = DefaultPageSize
	}
	if h.loc == nil {
		h.loc = time.UTC
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	h.static = http.StripPrefix(Path+"/static/", http.FileServerFS(sub))
	return h, nil
}

// Register mounts the handler on mux at Path and under it.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle(Path, h)
	mux.Handle(Path+"/", h)
}

// ServeHTTP answers GET and HEAD for the page and its stylesheet; every
// other method is 405. With Auth set, nothing but a 401 reaches a client
// without the right credentials.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if h.auth != nil && !h.auth.allow(r) {
		hd.Set("WWW-Authenticate", h.auth.challenge())
		hd.Set("Cache-Control", "no-store")
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	switch p := r.URL.Path; {
	case p == Path || p == Path+"/":
		h.page(w, r)
	case strings.HasPrefix(p, Path+"/static/") && !strings.HasSuffix(p, "/"):
		hd.Set("Cache-Control", "no-cache")
		h.static.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	v, err := h.src.StatusView(r.Context())
	if err != nil {
		h.log.ErrorContext(r.Context(), "status page: source failed", "err", err)
		http.Error(w, "status unavailable", http.StatusServiceUnavailable)
		return
	}
	if v.Now.IsZero() {
		v.Now = h.now()
	}
	var buf bytes.Buffer
	if err := render(&buf, &v, parseQuery(r.URL.Query()), h.size, h.loc); err != nil {
		h.log.ErrorContext(r.Context(), "status page: render failed", "err", err)
		http.Error(w, "status unavailable", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	hd.Set("Cache-Control", "no-store")
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
}
