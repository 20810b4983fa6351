package jira

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// JQLTimeLayout is how JQL takes a date and time (minute resolution).
const JQLTimeLayout = "2006/01/02 15:04"

// keysPerQuery bounds a `key in (...)` clause.
const keysPerQuery = 100

// searchPage is one page of either search.
type searchPage struct {
	Issues        []rawIssue `json:"issues"`
	IsLast        *bool      `json:"isLast"`
	NextPageToken string     `json:"nextPageToken"`
	StartAt       int        `json:"startAt"`
	MaxResults    int        `json:"maxResults"`
	Total         int        `json:"total"`
}

// Scan calls fn for every ticket of the request's project, page by page.
// It asks only for the fields the project's mapping needs plus the
// ticket's identity and state, and for the trail property in the same
// search, so reading a ticket costs no request of its own.
//
// UpdatedSince becomes `updated >= "yyyy/MM/dd HH:mm"` in the bot user's
// Jira time zone (JQL dates are read in it; it comes from /myself), after
// subtracting Options.Overlap, and floored to the minute: the window only
// ever widens. Tickets are read in key order, which a ticket being
// updated during the scan does not reorder, and a key seen twice with
// the same `updated` is passed on once (see seenKeys).
func (c *Client) Scan(ctx context.Context, req ports.ScanRequest, fn func(ports.Ticket) error) error {
	p := c.projects[req.Project]
	if p == nil {
		return fmt.Errorf("jira: scan: no project named %q is configured", req.Project)
	}
	base := "(" + p.JQL + ")"
	if req.JQL != "" {
		// A one-shot check narrows the project's scope; it never widens
		// it, so the project's field mapping is the right one to apply.
		base += " AND (" + req.JQL + ")"
	}
	if !req.UpdatedSince.IsZero() {
		since := req.UpdatedSince.Add(-c.opts.Overlap).In(c.loc)
		base += ` AND updated >= "` + since.Format(JQLTimeLayout) + `"`
	}
	seen := newSeenKeys(len(req.Keys) > 0)
	emit := func(hits []rawIssue) error {
		seen.page()
		for _, is := range hits {
			if !seen.fresh(is.Key, is.Fields["updated"]) {
				continue
			}
			t := c.decode(is, p)
			if err := c.overlay(ctx, is, p, &t); err != nil {
				return err
			}
			if err := fn(t); err != nil {
				return err
			}
		}
		return nil
	}
	if len(req.Keys) == 0 {
		return c.search(ctx, p, base, emit)
	}
	for i := 0; i < len(req.Keys); i += keysPerQuery {
		chunk := req.Keys[i:min(i+keysPerQuery, len(req.Keys))]
		quoted := make([]string, len(chunk))
		for j, k := range chunk {
			quoted[j] = quoteJQL(k)
		}
		if err := c.search(ctx, p, base+" AND key in ("+strings.Join(quoted, ", ")+")", emit); err != nil {
			return err
		}
	}
	return nil
}

// seenKeys is what a scan remembers of the keys it passed on, with their
// `updated`, to pass a key read twice with the same `updated` on once.
//
// Within one search a key comes back only when the result moved under
// the paging between two requests: tickets entering the scope ahead of
// the cursor (updated into the `updated >=` window, or edited into the
// project's JQL) push the last hits of a page onto the next one. Hits
// come in key order, so what comes back is the end of the page before
// (past the Data Center result window too: the next query starts after
// the last key read), and only the keys of the current and the previous
// page are kept: a scan's memory is bounded by two pages, not by the
// tickets it read. (A key would come back from further back only if
// more than a page of tickets entered the scope ahead of the cursor
// between two requests; it would then be passed on again, as a ticket
// whose `updated` moved is.)
//
// The searches of a list of keys, a chunk each, come in no common order:
// for them every key read is kept, no more than were asked for.
type seenKeys struct {
	cur, prev map[string]string // key -> `updated` as Jira sent it
	all       bool
}

func newSeenKeys(all bool) *seenKeys {
	return &seenKeys{cur: map[string]string{}, prev: map[string]string{}, all: all}
}

// page starts the next page: the keys of the one before the last are
// forgotten.
func (s *seenKeys) page() {
	if s.all {
		return
	}
	s.prev, s.cur = s.cur, s.prev
	clear(s.cur)
}

// fresh reports whether a hit is to be passed on: its key was not last
// read with this `updated`. It remembers the hit.
func (s *seenKeys) fresh(key string, updated []byte) bool {
	last, ok := s.cur[key]
	if !ok {
		last, ok = s.prev[key]
	}
	if ok && last == string(updated) {
		return false
	}
	s.cur[key] = string(updated)
	return true
}

func quoteJQL(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// search runs one JQL over every page: nextPageToken on Cloud, startAt
// on Data Center, continued past the Data Center result window with a key
// range (`key > "LAST"`, which Jira evaluates within the key's project:
// scopes spanning several projects larger than the window should be
// configured as one project entry each).
//
// emit is given each page's hits, in order.
func (c *Client) search(ctx context.Context, p *project, where string, emit func([]rawIssue) error) error {
	op := "scan " + p.Name
	q := url.Values{}
	q.Set("fields", strings.Join(p.fetch, ","))
	q.Set("properties", c.opts.PropertyKey)
	q.Set("maxResults", strconv.Itoa(c.opts.PageSize))
	if c.deployment == DeploymentCloud {
		q.Set("jql", where+" ORDER BY key ASC")
		for {
			var page searchPage
			if err := c.call(ctx, op, "", http.MethodGet, "rest/api/2/search/jql?"+q.Encode(), nil, &page); err != nil {
				return err
			}
			if err := emit(page.Issues); err != nil {
				return err
			}
			if page.NextPageToken == "" || (page.IsLast != nil && *page.IsLast) || len(page.Issues) == 0 {
				return nil
			}
			q.Set("nextPageToken", page.NextPageToken)
		}
	}
	jql := where
	startAt, last := 0, ""
	for {
		q.Set("jql", jql+" ORDER BY key ASC")
		q.Set("startAt", strconv.Itoa(startAt))
		var page searchPage
		if err := c.call(ctx, op, "", http.MethodGet, "rest/api/2/search?"+q.Encode(), nil, &page); err != nil {
			return err
		}
		if err := emit(page.Issues); err != nil {
			return err
		}
		if len(page.Issues) > 0 {
			last = page.Issues[len(page.Issues)-1].Key
		}
		startAt += len(page.Issues)
		if len(page.Issues) == 0 || startAt >= page.Total {
			return nil
		}
		if startAt+c.opts.PageSize > c.opts.ResultWindow {
			// Past the window Data Center refuses to page: start over
			// from the last key read.
			c.log.Info("jira: continuing past the search result window", "project", p.Name, "after", last)
			jql = where + " AND key > " + quoteJQL(last)
			startAt = 0
		}
	}
}

// decode turns a hit into the scheduler's ticket.
func (c *Client) decode(is rawIssue, p *project) ports.Ticket {
	in := handoff.Input{Ticket: c.decodeTicket(is, p.Name), Fields: make(map[handoff.FieldID]handoff.FieldValue, len(p.mapped))}
	if p.UseDescription {
		in.Description = descriptionText(is.Fields["description"])
	}
	for _, m := range p.mapped {
		raw, present := is.Fields[m.id]
		if !present {
			continue
		}
		v, ok, known := decodeValue(raw)
		if !known {
			c.log.Warn("jira: unknown field shape; using its raw text", "ticket", is.Key, "field", m.id, "concept", string(m.concept))
		}
		if ok {
			in.Fields[m.concept] = v
		}
	}
	trail, ok := decodeTrail(is.Properties[c.opts.PropertyKey])
	if !ok {
		c.log.Warn("jira: unreadable trail property; treating the ticket as new", "ticket", is.Key, "property", c.opts.PropertyKey)
	}
	return ports.Ticket{Input: in, Trail: trail}
}

// descriptionText reads the description: a wiki string on v2, ADF if a
// site sends it so.
func descriptionText(raw []byte) string {
	v, ok, _ := decodeValue(raw)
	if !ok {
		return ""
	}
	return v.Text
}
