package jira

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	_ "time/tzdata" // Jira users' time zones, even in a bare container

	gojira "github.com/andygrunwald/go-jira"

	"github.com/patchbot/patchbot/connectors/internal/drain"
	"github.com/patchbot/patchbot/handoff"
)

// Client is a connected Jira site. It satisfies the scheduler's Tracker.
// It is safe for concurrent use.
type Client struct {
	opts       Options
	jc         *gojira.Client
	log        *slog.Logger
	deployment Deployment
	base       string
	me         handoff.User
	loc        *time.Location
	projects   map[string]*project
	// book is what the bot may do in each Jira project (rights.go) and
	// the trails it keeps off the issue property (trailhome.go).
	book *rightsBook
}

type project struct {
	Project
	mapped []mappedField // by handoff field
	fetch  []string      // the search `fields` parameter
}

// mappedField is a handoff field and the Jira field id it is read from.
type mappedField struct {
	concept handoff.FieldID
	id      string
}

// baseFields are always fetched besides the mapped ones.
var baseFields = []string{"summary", "status", "resolution", "resolutiondate", "assignee", "reporter", "labels", "created", "updated", "description"}

// New connects to Jira: it detects the deployment (unless set), reads the
// bot's own user and time zone from /myself, and resolves every project's
// field names to ids from /rest/api/2/field. Unknown or ambiguous names
// are one error listing every problem.
func New(ctx context.Context, o Options) (*Client, error) {
	o = o.withDefaults()
	if o.BaseURL == "" {
		return nil, errors.New("jira: no base URL")
	}
	if _, err := url.Parse(o.BaseURL); err != nil {
		return nil, fmt.Errorf("jira: base URL: %w", err)
	}
	switch {
	case o.PAT != "" && o.Token != "":
		return nil, errors.New("jira: both an API token (Cloud) and a personal access token (Data Center) are set; set one")
	case o.PAT == "" && o.Token == "":
		return nil, errors.New("jira: no credentials: set an email and API token (Cloud) or a personal access token (Data Center)")
	case o.Token != "" && o.Email == "":
		return nil, errors.New("jira: an API token needs the account's email")
	}
	var auth http.RoundTripper
	base := o.HTTPClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	pt := newPolite(base, o)
	if o.PAT != "" {
		auth = &gojira.BearerAuthTransport{Token: o.PAT, Transport: pt}
	} else {
		auth = &gojira.BasicAuthTransport{Username: o.Email, Password: o.Token, Transport: pt}
	}
	hc := *o.HTTPClient
	hc.Transport = auth
	jc, err := gojira.NewClient(&hc, o.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("jira: %w", err)
	}
	c := &Client{opts: o, jc: jc, log: o.Logger, deployment: o.Deployment,
		base: strings.TrimRight(o.BaseURL, "/"), projects: map[string]*project{}, book: newRightsBook()}

	if c.deployment == DeploymentAuto {
		var info struct {
			DeploymentType string `json:"deploymentType"`
		}
		if err := c.call(ctx, "detect deployment", "", http.MethodGet, "rest/api/2/serverInfo", nil, &info); err != nil {
			return nil, err
		}
		c.deployment = DeploymentDataCenter
		if strings.EqualFold(info.DeploymentType, "Cloud") {
			c.deployment = DeploymentCloud
		}
	}
	if o.PageSize == 0 {
		c.opts.PageSize = 100
		if c.deployment == DeploymentDataCenter {
			c.opts.PageSize = 1000
		}
	}

	var me struct {
		userJSON
		TimeZone string `json:"timeZone"`
	}
	if err := c.call(ctx, "read the bot's user", "", http.MethodGet, "rest/api/2/myself", nil, &me); err != nil {
		return nil, err
	}
	c.me = me.user()
	c.loc = time.UTC
	if me.TimeZone != "" {
		if loc, err := time.LoadLocation(me.TimeZone); err == nil {
			c.loc = loc
		} else {
			// JQL dates are read in the user's zone; with it unknown, widen
			// the overlap by the largest offset so nothing is missed.
			c.log.Warn("jira: unknown user time zone; widening the sync overlap by 14h", "zone", me.TimeZone)
			c.opts.Overlap += 14 * time.Hour
		}
	}

	fields, err := c.Fields(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.resolve(fields); err != nil {
		return nil, err
	}
	return c, nil
}

// Deployment reports the site's kind (detected or configured).
func (c *Client) Deployment() Deployment { return c.deployment }

// Ping checks that Jira answers and still accepts the credentials
// (GET /rest/api/2/myself), for readiness probes.
func (c *Client) Ping(ctx context.Context) error {
	return c.call(probe(ctx), "ping", "", http.MethodGet, "rest/api/2/myself", nil, nil)
}

// Me is the user the bot authenticates as.
func (c *Client) Me() handoff.User { return c.me }

// Location is the bot user's Jira time zone, in which JQL dates are read.
func (c *Client) Location() *time.Location { return c.loc }

// call sends one request through go-jira and decodes a 2xx answer into
// out (when not nil) with encoding/json. A GET
// whose body does not decode (truncated or malformed JSON) is tried again
// within MaxRetries.
func (c *Client) call(ctx context.Context, op, key, method, path string, body, out any) error {
	_, err := c.callStatus(ctx, op, key, method, path, body, out)
	return err
}

func (c *Client) callStatus(ctx context.Context, op, key, method, path string, body, out any) (int, error) {
	endpoint := "/" + path
	if i := strings.IndexByte(endpoint, '?'); i >= 0 {
		endpoint = endpoint[:i]
	}
	for attempt := 0; ; attempt++ {
		// go-jira encodes body into memory, so the request has its
		// Content-Length and a GetBody for the transport's retries.
		req, err := c.jc.NewRequestWithContext(ctx, method, path, body)
		if err != nil {
			return 0, &Error{Op: op, Key: key, Method: method, Endpoint: endpoint, Err: err}
		}
		// go-jira checks the status; the body is read here, to its end, so
		// that net/http keeps the connection (go-jira's own decoding stops
		// at the end of the JSON value and closes the body unread, which
		// costs a new connection, and on a real site a TLS handshake, per
		// request).
		resp, err := c.jc.Do(req, nil)
		if err == nil && resp != nil && resp.Body != nil {
			// A web page where JSON belongs (a login page at a wrong
			// jira.url) is said plainly, not as a JSON syntax error.
			br := bufio.NewReaderSize(resp.Body, pageSniff)
			head, _ := br.Peek(pageSniff)
			switch {
			case isPage(resp.Header.Get("Content-Type"), head):
				body, _ := io.ReadAll(io.LimitReader(br, pageTitleScan))
				err = pageError(resp.Response, body)
			case out != nil:
				err = json.NewDecoder(br).Decode(out)
			}
			_ = drain.Close(resp.Body)
		}
		status := 0
		if resp != nil && resp.Response != nil {
			status = resp.StatusCode
		}
		if err == nil {
			return status, nil
		}
		e := &Error{Op: op, Key: key, Method: method, Endpoint: endpoint, Status: status, Err: err}
		if errors.Is(err, ErrNotJSON) {
			// Asking again gets the same page.
			return status, e
		}
		if status >= 200 && status < 300 {
			// The answer was a success whose body did not decode.
			e.Status = 0
			e.Err = fmt.Errorf("decode response: %w", err)
			if method == http.MethodGet && attempt < c.opts.MaxRetries && ctx.Err() == nil {
				c.log.Warn("jira: response did not decode; trying again", "endpoint", endpoint, "ticket", key, "attempt", attempt+1, "err", err)
				continue
			}
			return status, e
		}
		if status != 0 {
			e.Err = fmt.Errorf("HTTP %d", status)
			readError(e, resp.Response)
		}
		return status, e
	}
}
