package jira_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// The contract: every request the connector sends to the fake in these
// tests, and every answer the fake gives, validates against Atlassian's
// OpenAPI document for Jira Cloud. v2 paths are checked against their v3
// twins; v2 comment bodies (wiki strings, where v3 carries ADF) are
// excepted, as are the fake's injected faults.

// specPaths are where the OpenAPI document may be: beside the repository
// (../shared/specs) or where the workspace keeps it.
var specPaths = []string{
	"../../../shared/specs/jira-cloud-platform.openapi-v3.json",
	"/work/shared/specs/jira-cloud-platform.openapi-v3.json",
}

// contractPaths are the v3 operations the connector and the fake speak.
var contractPaths = []string{
	"/rest/api/3/serverInfo",
	"/rest/api/3/myself",
	"/rest/api/3/mypermissions",
	"/rest/api/3/field",
	"/rest/api/3/user/search",
	"/rest/api/3/search",
	"/rest/api/3/search/jql",
	"/rest/api/3/issue/{issueIdOrKey}",
	"/rest/api/3/issue/{issueIdOrKey}/comment",
	"/rest/api/3/issue/{issueIdOrKey}/comment/{id}",
	"/rest/api/3/issue/{issueIdOrKey}/editmeta",
	"/rest/api/3/comment/{commentId}/properties/{propertyKey}",
	"/rest/api/3/issue/{issueIdOrKey}/properties",
	"/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}",
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func contractRouter() (routers.Router, error) {
	specOnce.Do(func() {
		// Jira's datetimes (the document's own examples included) carry
		// +0000 offsets, which the strict RFC 3339 date-time format
		// rejects: accept both.
		openapi3.DefineStringFormatCallback("date-time", func(v string) error {
			for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"} {
				if _, err := time.Parse(l, v); err == nil {
					return nil
				}
			}
			return fmt.Errorf("%q is not a date-time", v)
		})
		path := specPaths[0]
		for _, p := range specPaths {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(path)
		if err != nil {
			specErr = err
			return
		}
		doc.Servers = openapi3.Servers{{URL: "http://jira.test"}}
		// The document as published has conflicting templates elsewhere
		// (/field/{id} and /field/{fieldId}); keep the operations Jira
		// clients of this shape use.
		keep := openapi3.NewPaths()
		for _, p := range contractPaths {
			item := doc.Paths.Value(p)
			if item == nil {
				specErr = fmt.Errorf("OpenAPI document has no path %s", p)
				return
			}
			keep.Set(p, item)
		}
		doc.Paths = keep
		specRouter, specErr = legacy.NewRouter(doc, openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation(), openapi3.DisableSchemaPatternValidation())
	})
	return specRouter, specErr
}

// contract wraps the fake's handler with the OpenAPI validator; every
// violation fails t. It also counts validated exchanges.
type contract struct {
	t       testing.TB
	mu      sync.Mutex
	checked int
}

func (c *contract) wrap(next http.Handler) http.Handler {
	router, err := contractRouter()
	if err != nil {
		c.t.Fatalf("load OpenAPI document: %v", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		if rec.Header().Get("X-Jiratest-Fault") != "" || rec.Code == http.StatusUnauthorized {
			return // injected faults are not the contract
		}
		if err := c.check(router, r, body, rec); err != nil {
			c.t.Errorf("contract: %s %s: %v", r.Method, r.URL.Path, err)
		}
	})
}

func (c *contract) check(router routers.Router, r *http.Request, body []byte, rec *httptest.ResponseRecorder) error {
	path := r.URL.Path
	v2 := strings.HasPrefix(path, "/rest/api/2/")
	if v2 {
		path = "/rest/api/3/" + strings.TrimPrefix(path, "/rest/api/2/")
	}
	u, _ := url.Parse("http://jira.test" + path + "?" + r.URL.RawQuery)
	req, _ := http.NewRequestWithContext(context.Background(), r.Method, u.String(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	route, params, err := router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no such operation in the OpenAPI document: %w", err)
	}
	richText := v2 && strings.Contains(path, "/comment")
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: richText}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
		// A 204 has no body; the document still lists a JSON content for it.
		Options: &openapi3filter.Options{ExcludeResponseBody: richText || rec.Code == http.StatusNoContent}}
	out.SetBodyBytes(dropNullFields(rec.Body.Bytes()))
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("response %d: %w", rec.Code, err)
	}
	c.mu.Lock()
	c.checked++
	c.mu.Unlock()
	return nil
}

func (c *contract) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checked
}

// dropNullFields removes null values from every "fields" object. Jira
// sends null for an empty field; the document types issue fields as `{}`,
// which OpenAPI 3.0 reads as not nullable.
func dropNullFields(b []byte) []byte {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return b
	}
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, c := range t {
				if f, ok := c.(map[string]any); ok && k == "fields" {
					for fk, fv := range f {
						if fv == nil {
							delete(f, fk)
						}
					}
				}
				walk(c)
			}
		case []any:
			for _, c := range t {
				walk(c)
			}
		}
	}
	walk(v)
	out, err := json.Marshal(v)
	if err != nil {
		return b
	}
	return out
}
