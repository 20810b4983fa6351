package jira

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"

	"github.com/patchbot/patchbot/handoff"
)

// Fields lists the site's fields (GET /rest/api/2/field), sorted by name,
// so a person can find the names to map.
func (c *Client) Fields(ctx context.Context) ([]FieldInfo, error) {
	var raw []struct {
		ID          string   `json:"id"`
		Name        string   `json:"name"`
		Custom      bool     `json:"custom"`
		ClauseNames []string `json:"clauseNames"`
		Schema      struct {
			Type   string `json:"type"`
			Items  string `json:"items"`
			Custom string `json:"custom"`
		} `json:"schema"`
	}
	if err := c.call(ctx, "list fields", "", http.MethodGet, "rest/api/2/field", nil, &raw); err != nil {
		return nil, err
	}
	out := make([]FieldInfo, len(raw))
	for i, f := range raw {
		out[i] = FieldInfo{ID: f.ID, Name: f.Name, Custom: f.Custom, Type: f.Schema.Type, Items: f.Schema.Items,
			CustomType: f.Schema.Custom, ClauseNames: f.ClauseNames}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := strings.ToLower(out[i].Name), strings.ToLower(out[j].Name); a != b {
			return a < b
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// resolve maps every project's field names to ids. A name matches a field
// id exactly, or a field name case-insensitively. Every unknown or
// ambiguous name is reported at once.
func (c *Client) resolve(fields []FieldInfo) error {
	byID := map[string]FieldInfo{}
	byName := map[string][]FieldInfo{}
	for _, f := range fields {
		byID[f.ID] = f
		n := strings.ToLower(strings.TrimSpace(f.Name))
		byName[n] = append(byName[n], f)
	}
	var errs []error
	for _, p := range c.opts.Projects {
		if p.Name == "" {
			errs = append(errs, errors.New("jira: a project has no name"))
			continue
		}
		if _, dup := c.projects[p.Name]; dup {
			errs = append(errs, fmt.Errorf("jira: project %q is configured twice", p.Name))
			continue
		}
		if strings.TrimSpace(p.JQL) == "" {
			errs = append(errs, fmt.Errorf("jira: project %q has no JQL", p.Name))
		}
		pr := &project{Project: p}
		concepts := make([]string, 0, len(p.Fields))
		for id := range p.Fields {
			concepts = append(concepts, string(id))
		}
		sort.Strings(concepts)
		seen := map[string]bool{}
		for _, f := range baseFields {
			if f == "description" && !p.UseDescription {
				continue
			}
			seen[f] = true
			pr.fetch = append(pr.fetch, f)
		}
		for _, concept := range concepts {
			name := p.Fields[handoff.FieldID(concept)]
			id, err := lookupField(name, byID, byName, fields)
			if err != nil {
				errs = append(errs, &FieldError{Project: p.Name, Field: handoff.FieldID(concept), Err: err})
				continue
			}
			pr.mapped = append(pr.mapped, mappedField{handoff.FieldID(concept), id})
			if !seen[id] {
				seen[id] = true
				pr.fetch = append(pr.fetch, id)
			}
		}
		c.projects[p.Name] = pr
	}
	return errors.Join(errs...)
}

// FieldError is a mapped field name the site does not have, or has more
// than once. New returns every one of them, joined; the CLI places each at
// its line in the config file.
type FieldError struct {
	Project string
	Field   handoff.FieldID
	Err     error
}

// Error names the project, the handoff field and what is wrong.
func (e *FieldError) Error() string {
	return fmt.Sprintf("jira: project %q, field %s: %v", e.Project, e.Field, e.Err)
}

// Unwrap returns what is wrong.
func (e *FieldError) Unwrap() error { return e.Err }

func lookupField(name string, byID map[string]FieldInfo, byName map[string][]FieldInfo, all []FieldInfo) (string, error) {
	if f, ok := byID[strings.TrimSpace(name)]; ok {
		return f.ID, nil
	}
	hits := byName[strings.ToLower(strings.TrimSpace(name))]
	switch len(hits) {
	case 1:
		return hits[0].ID, nil
	case 0:
		return "", fmt.Errorf("no Jira field is named %q; closest: %s (run `patchbot fields` to list them)", name, strings.Join(closest(name, all, 3), ", "))
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return "", fmt.Errorf("%d Jira fields are named %q: %s; map the field by id instead", len(hits), name, strings.Join(ids, ", "))
}

// closest returns the n field names nearest to name by edit distance.
func closest(name string, all []FieldInfo, n int) []string {
	type cand struct {
		label string
		d     int
	}
	q := strings.ToLower(name)
	seen := map[string]bool{}
	var cs []cand
	for _, f := range all {
		label := fmt.Sprintf("%q (%s)", f.Name, f.ID)
		if seen[label] {
			continue
		}
		seen[label] = true
		d := levenshtein.ComputeDistance(q, strings.ToLower(f.Name))
		if id := levenshtein.ComputeDistance(q, strings.ToLower(f.ID)); id < d {
			d = id
		}
		cs = append(cs, cand{label, d})
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].label < cs[j].label
	})
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].label)
	}
	if len(out) == 0 {
		return []string{"(the site has no fields)"}
	}
	return out
}
