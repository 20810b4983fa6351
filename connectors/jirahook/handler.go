package jirahook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Rechecker is what the receiver asks of the engine: look at one ticket
// again now. key is an issue key (or, when the webhook named none, the
// numeric issue id; JQL's `issue = X` takes both); it is always
// well-formed (letters, digits, underscore, a dash, a number), never JQL.
// cause is one of the Cause constants. The engine checks the ticket
// against its own scope (`key = X AND (<scope JQL>)`) and does whatever it
// would do for that ticket in a sync; the receiver itself writes nothing.
//
// A Recheck that fails is logged and counted, not retried: the engine's
// scheduled sync sees the ticket anyway.
type Rechecker interface {
	Recheck(ctx context.Context, key string, cause string) error
}

// Headers Jira sends with a webhook.
const (
	HeaderSignature  = "X-Hub-Signature"                // sha256=<hex HMAC of the body>
	HeaderIdentifier = "X-Atlassian-Webhook-Identifier" // unique per delivery, the same on its retries
	HeaderRetry      = "X-Atlassian-Webhook-Retry"      // the retry count, on retries only
)

// Path is where the receiver is mounted; Register also mounts
// Path+"/{token}" for Data Center webhooks that carry their token in the
// path.
const Path = "/webhooks/jira"

// Defaults for Options.
const (
	DefaultMaxBody  = 1 << 20
	DefaultWindow   = 2 * time.Second
	DefaultDedupTTL = 10 * time.Minute
	DefaultDedupMax = 20000
	DefaultWorkers  = 1
	// MinTokenLen is the shortest URL token accepted: it is the only
	// proof of origin a Data Center webhook without a secret has.
	MinTokenLen = 24
)

// ErrNoAuth is returned by New when neither a secret nor a token is set:
// the receiver never accepts unauthenticated webhooks.
var ErrNoAuth = errors.New("jirahook: neither a webhook secret nor a URL token is set; refusing unauthenticated webhooks")

// Options configures a Handler. Zero values take the defaults.
type Options struct {
	// Secret is the webhook's secret (Jira Cloud admin webhooks; Data
	// Center versions that have one): every delivery must carry
	// X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>.
	Secret []byte
	// Token, for webhooks without a secret, is a long random string the
	// webhook URL carries (…/webhooks/jira?token=T or …/webhooks/jira/T).
	// When both Secret and Token are set a delivery needs both.
	Token string
	// Self is the bot's own Jira account: its edits fire webhooks that
	// must not come back as rechecks.
	Self Identity
	// Label is the bot's label (config jira.label); an update that only
	// adds or removes it is the bot's echo. Empty: no such rule.
	Label string
	// Projects, when set, limits rechecks to these project keys; other
	// tickets are answered 204 and dropped. The engine still checks its
	// own scope, so this only saves work.
	Projects []string
	// MaxBody caps a delivery's body (default 1 MiB); larger gets 413.
	MaxBody int64
	// Window is how long events for one ticket are gathered into one
	// Recheck (default 2 s).
	Window time.Duration
	// DedupTTL and DedupMax bound the memory of deliveries already seen
	// (default 10 min, 20,000).
	DedupTTL time.Duration
	DedupMax int
	// Workers is how many Rechecks may run at once (default 1); never two
	// for one ticket.
	Workers int
	// Logger receives the receiver's logs (default: none). The secret,
	// the token, the URL and the body are never logged.
	Logger *slog.Logger
	// Registerer, when set, registers the receiver's metrics.
	Registerer prometheus.Registerer
}

// Handler is the http.Handler for Jira webhooks. It answers every
// delivery at once (202 when a recheck was queued, 204 when there is
// nothing to do, 4xx when refused) and hands the tickets to the
// Rechecker from the goroutines Run starts.
type Handler struct {
	opts     Options
	secret   []byte
	token    [sha256.Size]byte // SHA-256 of the token: compared at a fixed length
	projects map[string]bool
	rc       Rechecker
	log      *slog.Logger
	warn     *rate.Sometimes
	seen     *seen
	q        *queue
	m        *metrics
	running  atomic.Bool
}

// New builds a Handler that asks rc to recheck tickets. It fails when no
// authentication is configured, when the token is short, when the bot's
// identity is missing (its own edits would come back as rechecks), or when
// the metrics cannot be registered.
func New(o Options, rc Rechecker) (*Handler, error) {
	if rc == nil {
		return nil, errors.New("jirahook: no Rechecker")
	}
	if len(o.Secret) == 0 && o.Token == "" {
		return nil, ErrNoAuth
	}
	if o.Token != "" && len(o.Token) < MinTokenLen {
		return nil, fmt.Errorf("jirahook: the URL token has %d characters; use at least %d random ones", len(o.Token), MinTokenLen)
	}
	if o.Self.IsZero() {
		return nil, errors.New("jirahook: the bot's Jira identity (Self) is not set; its own edits would come back as rechecks")
	}
	if o.Window < 0 || o.MaxBody < 0 || o.DedupTTL < 0 || o.DedupMax < 0 || o.Workers < 0 {
		return nil, errors.New("jirahook: negative Window, MaxBody, DedupTTL, DedupMax or Workers")
	}
	if o.MaxBody == 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Window == 0 {
		o.Window = DefaultWindow
	}
	if o.DedupTTL == 0 {
		o.DedupTTL = DefaultDedupTTL
	}
	if o.DedupMax == 0 {
		o.DedupMax = DefaultDedupMax
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{
		opts:   o,
		rc:     rc,
		log:    o.Logger,
		warn:   &rate.Sometimes{First: 10, Interval: time.Minute},
		seen:   newSeen(o.DedupTTL, o.DedupMax),
		q:      newQueue(o.Window),
		secret: append([]byte(nil), o.Secret...),
	}
	h.opts.Secret = nil
	if o.Token != "" {
		h.token = sha256.Sum256([]byte(o.Token))
	}
	if len(o.Projects) > 0 {
		h.projects = make(map[string]bool, len(o.Projects))
		for _, p := range o.Projects {
			h.projects[strings.ToUpper(p)] = true
		}
	}
	h.m = newMetrics(h.q)
	if o.Registerer != nil {
		if err := h.m.register(o.Registerer); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Register mounts the handler on mux at POST Path and POST Path/{token}.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("POST "+Path, h)
	mux.Handle("POST "+Path+"/{token}", h)
}

// ServeHTTP checks a delivery, answers it, and queues its ticket.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.m.received.Inc()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, r, http.StatusMethodNotAllowed, reasonMethod)
		return
	}
	if h.opts.Token != "" {
		if reason := h.checkToken(r); reason != "" {
			h.reject(w, r, http.StatusUnauthorized, reason)
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			h.reject(w, r, http.StatusRequestEntityTooLarge, reasonTooLarge)
			return
		}
		h.reject(w, r, http.StatusBadRequest, reasonUnreadable)
		return
	}
	if len(h.secret) > 0 {
		if reason := checkSignature(h.secret, body, r.Header.Get(HeaderSignature)); reason != "" {
			h.reject(w, r, http.StatusUnauthorized, reason)
			return
		}
	}
	var p payload
	if err := json.Unmarshal(body, &p); err != nil || p.WebhookEvent == "" {
		h.reject(w, r, http.StatusBadRequest, reasonBadJSON)
		return
	}
	status, outcome, keys := h.accept(&p, r.Header)
	if outcome != "" {
		h.m.events.WithLabelValues(outcome).Inc()
	} else {
		h.m.rejected.WithLabelValues(reasonNoIssue).Inc()
	}
	w.WriteHeader(status)
	h.log.Debug("jira webhook", "event", p.WebhookEvent, "ticket", keys, "outcome", outcome,
		"delivery", r.Header.Get(HeaderIdentifier), "retry", r.Header.Get(HeaderRetry))
}

// accept decides what an authentic, well-formed delivery asks for and
// queues it. It returns the status to answer, the outcome to count ("" for
// a refusal) and the tickets concerned.
func (h *Handler) accept(p *payload, hdr http.Header) (status int, outcome string, keys []string) {
	if !used(p.WebhookEvent) {
		return http.StatusNoContent, outcomeUnused, nil
	}
	key, project, err := p.subject()
	if err != nil {
		return http.StatusBadRequest, "", nil
	}
	targets := []target{{key: key, cause: p.cause()}}
	if old := p.movedFrom(); old != "" {
		targets = append(targets, target{key: old, cause: CauseMoved})
	}
	keys = make([]string, len(targets))
	for i, t := range targets {
		keys[i] = t.key
	}
	id := hdr.Get(HeaderIdentifier)
	if id == "" {
		id = p.fallbackID()
	}
	now := time.Now()
	if id != "" && h.seen.add(id, now) {
		return http.StatusNoContent, outcomeDuplicate, keys
	}
	if p.selfCaused(h.opts.Self, h.opts.Label) {
		return http.StatusNoContent, outcomeSelf, keys
	}
	queued := 0
	for i, t := range targets {
		proj := project
		if i > 0 || proj == "" {
			proj = projectOf(t.key)
		}
		if !h.watched(proj) {
			continue
		}
		if h.q.mark(t.key, t.cause, now) {
			h.m.coalesced.Inc()
		}
		queued++
	}
	if queued == 0 {
		return http.StatusNoContent, outcomeUnwatched, keys
	}
	return http.StatusAccepted, outcomeAccepted, keys
}

// watched reports whether a project is in scope; an unknown project (an
// id-only payload) is passed on for the engine to judge.
func (h *Handler) watched(project string) bool {
	return h.projects == nil || project == "" || h.projects[strings.ToUpper(project)]
}

// checkToken compares the URL token (a path segment, or ?token=) with the
// configured one in constant time; both are hashed first so that even the
// length is not given away.
func (h *Handler) checkToken(r *http.Request) string {
	got := r.PathValue("token")
	if got == "" {
		got = r.URL.Query().Get("token")
	}
	if got == "" {
		return reasonTokenMissing
	}
	sum := sha256.Sum256([]byte(got))
	if subtle.ConstantTimeCompare(sum[:], h.token[:]) != 1 {
		return reasonTokenMismatch
	}
	return ""
}

// checkSignature verifies X-Hub-Signature: sha256=<hex> against the HMAC
// of the raw body; it returns the rejection reason, or "".
func checkSignature(secret, body []byte, header string) string {
	if header == "" {
		return reasonSignatureMissing
	}
	method, digest, ok := strings.Cut(header, "=")
	if !ok || !strings.EqualFold(method, "sha256") || len(digest) != 2*sha256.Size {
		return reasonSignatureMalformed
	}
	sent, err := hex.DecodeString(digest)
	if err != nil {
		return reasonSignatureMalformed
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), sent) {
		return reasonSignatureMismatch
	}
	return ""
}

// reject answers a refused delivery and counts it. It logs the reason and
// the peer, never the URL (it may hold the token), a header or the body,
// and only now and then, so a flood of forgeries cannot flood the log.
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, status int, reason string) {
	h.m.rejected.WithLabelValues(reason).Inc()
	http.Error(w, http.StatusText(status), status)
	h.warn.Do(func() {
		h.log.Warn("jira webhook refused", "status", status, "reason", reason, "peer", r.RemoteAddr)
	})
}

// Run hands queued tickets to the Rechecker until ctx ends, with
// Options.Workers at once. Tickets still queued then are left to the
// engine's next sync. It may be called once.
func (h *Handler) Run(ctx context.Context) error {
	if !h.running.CompareAndSwap(false, true) {
		return errors.New("jirahook: Run called twice")
	}
	work := make(chan *entry)
	var wg sync.WaitGroup
	for range h.opts.Workers {
		wg.Go(func() {
			for e := range work {
				h.recheck(ctx, e)
			}
		})
	}
	defer func() {
		close(work)
		wg.Wait()
		if n := h.q.len(); n > 0 {
			h.log.Info("jira webhook receiver stopped; the next sync covers the tickets still queued", "tickets", n)
		}
	}()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		e, wait := h.q.next(time.Now())
		if e != nil {
			select {
			case work <- e:
				continue
			case <-ctx.Done():
				h.q.done(e.key)
				return nil
			}
		}
		if wait > 0 {
			timer.Reset(wait)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-h.q.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// Idle reports whether no ticket is waiting for a Recheck or being
// rechecked: every event accepted so far has been handed on.
func (h *Handler) Idle() bool { return h.q.idle() }

func (h *Handler) recheck(ctx context.Context, e *entry) {
	defer h.q.done(e.key)
	if err := h.rc.Recheck(ctx, e.key, e.cause); err != nil {
		h.m.rechecks.WithLabelValues("error").Inc()
		h.log.Warn("webhook recheck failed; the next sync covers it", "ticket", e.key, "cause", e.cause, "err", err)
		return
	}
	h.m.rechecks.WithLabelValues("ok").Inc()
}
