package jira

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// What the bot may do on a site is read, per Jira project, from two
// sources: its permissions (GET /rest/api/2/mypermissions) and the edit
// metadata of a ticket in each state (GET /rest/api/2/issue/{key}/editmeta:
// whether the workflow step takes edits at all, and whether Labels and
// Comment are on the edit screen). It is read the first time a project's
// ticket is scanned, and again after RightsTTL; in between, a write that
// Jira refuses for a reason the bot can route around (a field off the
// screen, an issue edit or a property it may not write) updates it, so
// the next ticket takes the way that works at once.

// Capability names: the metrics' and the table's labels.
const (
	CapBrowse         = "browse"           // Browse Projects
	CapAddComment     = "add_comment"      // Add Comments
	CapEditOwnComment = "edit_own_comment" // Edit Own Comments
	CapEditIssue      = "edit_issue"       // Edit Issues
	CapQuietEdit      = "quiet_edit"       // Administer Projects: notifyUsers=false honoured on issue edits
	// Per ticket state, prefixed "open_" or "resolved_".
	CapEditable     = "editable"      // the workflow step takes issue edits (editmeta not empty)
	CapLabel        = "label"         // the label can be set (Labels on the edit screen)
	CapCommentField = "comment_field" // the comment can travel in an issue edit (Comment on the edit screen)
	CapProperty     = "property"      // the issue property (the bot's trail) can be written
)

// permissionKeys are the permissions the bot asks about.
var permissionKeys = []string{"BROWSE_PROJECTS", "ADD_COMMENTS", "EDIT_OWN_COMMENTS", "EDIT_ISSUES", "ADMINISTER_PROJECTS"}

// state is a ticket's state as far as writing to it goes.
type state int

const (
	stateOpen state = iota
	stateResolved
)

var stateNames = [2]string{"open", "resolved"}

// screen is what a ticket's editmeta said.
type screen struct {
	sample   string // the ticket read; "" when none was
	editable bool   // editmeta has fields at all
	labels   bool
	comment  bool
}

// rights is what the bot may do in one Jira project.
type rights struct {
	project  string // the Jira project key
	probedAt time.Time
	perms    map[string]bool // absent: unknown, taken as granted
	screens  [2]screen
	// learned: refusals since the last probe, per state.
	noEdit, noLabel, noCommentField, noProperty [2]bool
	noAdd, noEditOwn, noCommentProperty         bool
}

func (r *rights) perm(k string) bool {
	have, known := r.perms[k]
	return have || !known
}

// caps is every capability and whether the bot has it now.
func (r *rights) caps() map[string]bool {
	m := map[string]bool{
		CapBrowse:         r.perm("BROWSE_PROJECTS"),
		CapAddComment:     r.perm("ADD_COMMENTS") && !r.noAdd,
		CapEditOwnComment: r.perm("EDIT_OWN_COMMENTS") && !r.noEditOwn,
		CapEditIssue:      r.perm("EDIT_ISSUES"),
		CapQuietEdit:      r.perm("ADMINISTER_PROJECTS"),
	}
	for st := stateOpen; st <= stateResolved; st++ {
		rt := r.route(st)
		p := stateNames[st] + "_"
		m[p+CapEditable] = rt.edit
		m[p+CapLabel] = rt.label
		m[p+CapCommentField] = rt.editComment
		m[p+CapProperty] = rt.property
	}
	return m
}

// route is how a change to a ticket in one state is written.
type route struct {
	edit        bool // an issue edit is accepted at all
	editComment bool // the comment may travel in the issue edit
	label       bool // the label may be set
	property    bool // the issue property may be written
	add         bool // a comment may be added (comment endpoint)
	editOwn     bool // the bot's comment may be edited, and its properties written
	quiet       bool // notifyUsers=false is honoured on an issue edit
}

func (r *rights) route(st state) route {
	sc := r.screens[st]
	if sc.sample == "" {
		// Not read yet: assumed whole, until read or refused.
		sc = screen{editable: true, labels: true, comment: true}
	}
	edit := r.perm("EDIT_ISSUES") && sc.editable && !r.noEdit[st]
	return route{
		edit:        edit,
		editComment: edit && sc.comment && !r.noCommentField[st],
		label:       edit && sc.labels && !r.noLabel[st],
		property:    edit && !r.noProperty[st],
		add:         r.perm("ADD_COMMENTS") && !r.noAdd,
		editOwn:     r.perm("EDIT_OWN_COMMENTS") && !r.noEditOwn,
		quiet:       r.perm("ADMINISTER_PROJECTS"),
	}
}

// single says whether the change can be the one issue edit carrying
// comment, label and trail together.
func (rt route) single(op *commentOp) bool {
	if !rt.edit || !rt.property {
		return false
	}
	if op == nil {
		return true
	}
	// An edit in place that must not notify goes through the comment
	// endpoint, which honours notifyUsers=false, where the issue edit
	// would notify every watcher.
	return rt.editComment && (!op.edit || op.notify || rt.quiet)
}

// trailHome is where the bot keeps a ticket's trail.
type trailHome int

const (
	homeIssue   trailHome = iota // the issue property
	homeComment                  // a property of the bot's own comment
	homeMemory                   // only the bot's memory (lost on restart)
)

func (rt route) home() trailHome {
	switch {
	case rt.property:
		return homeIssue
	case rt.editOwn:
		return homeComment
	}
	return homeMemory
}

// rightsBook holds every Jira project's rights and what the bot
// remembers about tickets written where the trail is not on the issue.
type rightsBook struct {
	mu       sync.Mutex
	projects map[string]*rights         // by Jira project key
	scopes   map[string]map[string]bool // config project -> Jira project keys seen
	states   map[string]state           // ticket -> state, where routes differ by state
	trails   map[string]memTrail        // ticket -> trail kept off the issue property
	reported map[string]map[string]bool // Jira project -> capability -> as last logged
	probing  map[string]*sync.Mutex     // Jira project -> probe in progress
}

func newRightsBook() *rightsBook {
	return &rightsBook{projects: map[string]*rights{}, scopes: map[string]map[string]bool{}, states: map[string]state{},
		trails: map[string]memTrail{}, reported: map[string]map[string]bool{}, probing: map[string]*sync.Mutex{}}
}

// projectOf is the Jira project key of an issue key.
func projectOf(key string) string {
	if i := strings.LastIndexByte(key, '-'); i > 0 {
		return strings.ToUpper(key[:i])
	}
	return strings.ToUpper(key)
}

// rightsFor returns the rights of the ticket's Jira project, reading them
// first when they were never read or are older than RightsTTL, and the
// ticket's editmeta when its state's screen was never read. A failed
// read leaves the rights as assumed (everything granted): the writes then
// find out.
func (c *Client) rightsFor(ctx context.Context, key string, st state) *rights {
	proj := projectOf(key)
	b := c.book
	b.mu.Lock()
	lock := b.probing[proj]
	if lock == nil {
		lock = &sync.Mutex{}
		b.probing[proj] = lock
	}
	b.mu.Unlock()
	lock.Lock()
	defer lock.Unlock()

	b.mu.Lock()
	r := b.projects[proj]
	now := c.opts.Now()
	stale := r == nil || now.Sub(r.probedAt) >= c.opts.RightsTTL
	b.mu.Unlock()
	if stale {
		// Learned refusals and screens are forgotten: they are read, and
		// found out, again.
		fresh := &rights{project: proj, probedAt: now}
		fresh.perms = c.readPermissions(ctx, proj)
		b.mu.Lock()
		r = fresh
		b.projects[proj] = r
		b.mu.Unlock()
	}
	b.mu.Lock()
	need := r.screens[st].sample == ""
	b.mu.Unlock()
	if need {
		sc := c.readScreen(ctx, key)
		b.mu.Lock()
		if r.screens[st].sample == "" {
			r.screens[st] = sc
		}
		b.mu.Unlock()
	}
	if stale || need {
		c.report(proj)
	}
	return r
}

// readPermissions asks which of permissionKeys the bot has in the
// project; nil (all assumed) when Jira does not say.
func (c *Client) readPermissions(ctx context.Context, proj string) map[string]bool {
	var ans struct {
		Permissions map[string]struct {
			HavePermission bool `json:"havePermission"`
		} `json:"permissions"`
	}
	q := url.Values{"projectKey": {proj}, "permissions": {strings.Join(permissionKeys, ",")}}
	if err := c.call(ctx, "read the bot's permissions", "", http.MethodGet, "rest/api/2/mypermissions?"+q.Encode(), nil, &ans); err != nil {
		c.log.Warn("jira: could not read the bot's permissions; assuming them and learning from refusals", "project", proj, "err", err)
		return nil
	}
	out := map[string]bool{}
	for _, k := range permissionKeys {
		if p, ok := ans.Permissions[k]; ok {
			out[k] = p.HavePermission
		}
	}
	return out
}

// readScreen reads a ticket's editmeta. An unreadable one is taken as a
// full screen.
func (c *Client) readScreen(ctx context.Context, key string) screen {
	var meta struct {
		Fields map[string]struct {
			Operations []string `json:"operations"`
		} `json:"fields"`
	}
	path := "rest/api/2/issue/" + url.PathEscape(key) + "/editmeta"
	if err := c.call(ctx, "read the edit screen", key, http.MethodGet, path, nil, &meta); err != nil {
		if !errors.Is(err, ErrNotFound) {
			c.log.Warn("jira: could not read the edit screen; assuming it and learning from refusals", "ticket", key, "err", err)
		}
		return screen{sample: key, editable: true, labels: true, comment: true}
	}
	_, labels := meta.Fields["labels"]
	_, comment := meta.Fields["comment"]
	return screen{sample: key, editable: len(meta.Fields) > 0, labels: labels, comment: comment}
}

// learn records a refusal in the ticket's project rights and logs what
// changed.
func (c *Client) learn(key string, f func(r *rights)) {
	proj := projectOf(key)
	c.book.mu.Lock()
	r := c.book.projects[proj]
	if r == nil {
		r = &rights{project: proj, probedAt: c.opts.Now()}
		c.book.projects[proj] = r
	}
	f(r)
	c.book.mu.Unlock()
	c.report(proj)
}

// report logs each capability of the project that changed since it was
// last logged: a missing one once when it goes missing (with what it
// costs and what enables it), and once when it comes back.
func (c *Client) report(proj string) {
	b := c.book
	b.mu.Lock()
	r := b.projects[proj]
	if r == nil {
		b.mu.Unlock()
		return
	}
	now := r.caps()
	last := b.reported[proj]
	b.reported[proj] = now
	b.mu.Unlock()
	names := make([]string, 0, len(now))
	for k := range now {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if cause := rootOf(k); cause != "" && !now[cause] {
			continue // said by the capability it follows from
		}
		was, known := last[k]
		switch {
		case !now[k] && (!known || was):
			e := Explain(k)
			c.log.Warn("jira: the bot cannot "+e.What+" in this project", "jira_project", proj, "capability", k, "costs", e.Cost, "to_enable", e.Fix)
		case now[k] && known && !was:
			c.log.Info("jira: the bot can "+Explain(k).What+" again in this project", "jira_project", proj, "capability", k)
		}
	}
}

// rootOf is the capability whose absence implies k's, if any.
func rootOf(k string) string {
	st, c, ok := strings.Cut(k, "_")
	if !ok || (st != stateNames[stateOpen] && st != stateNames[stateResolved]) {
		return ""
	}
	if c == CapEditable {
		return CapEditIssue
	}
	return st + "_" + CapEditable
}

// remember notes the ticket's config project, and its state for the
// writes: only resolved tickets are kept (a ticket not kept is open).
func (c *Client) remember(key, project string, st state) {
	b := c.book
	b.mu.Lock()
	defer b.mu.Unlock()
	proj := projectOf(key)
	if b.scopes[project] == nil {
		b.scopes[project] = map[string]bool{}
	}
	b.scopes[project][proj] = true
	if st == stateResolved {
		b.states[key] = st
	} else {
		delete(b.states, key)
	}
}

// stateOf is the ticket's state as last scanned (open when not known).
func (c *Client) stateOf(key string) state {
	c.book.mu.Lock()
	defer c.book.mu.Unlock()
	return c.book.states[key]
}

// routeOf is how a ticket is written now, from its project's rights.
func (c *Client) routeOf(ctx context.Context, key string) (route, state) {
	st := c.stateOf(key)
	r := c.rightsFor(ctx, key, st)
	c.book.mu.Lock()
	defer c.book.mu.Unlock()
	return r.route(st), st
}

// Capabilities reports, for each configured project whose tickets were
// read, each capability (Cap* names; the per-state ones prefixed "open_"
// and "resolved_") and whether the bot has it in every Jira project of
// the scope. Projects not read yet are absent.
func (c *Client) Capabilities() map[string]map[string]bool {
	b := c.book
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]map[string]bool{}
	for name, projs := range b.scopes {
		m := map[string]bool{}
		for proj := range projs {
			r := b.projects[proj]
			if r == nil {
				continue
			}
			for k, v := range r.caps() {
				if old, ok := m[k]; ok {
					v = v && old
				}
				m[k] = v
			}
		}
		if len(m) > 0 {
			out[name] = m
		}
	}
	return out
}
