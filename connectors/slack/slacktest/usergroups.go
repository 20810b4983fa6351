package slacktest

import (
	"net/url"
	"slices"
)

// User groups, for the authorisation of answers: usergroups.users.list
// lists a group's members (scope usergroups:read).

// SetUserGroup sets the members of a user group ("S…").
func (s *Server) SetUserGroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.ix()
	if x.groups == nil {
		x.groups = map[string][]string{}
	}
	x.groups[id] = slices.Clone(members)
}

// userGroupMembers answers usergroups.users.list. Callers hold s.mu.
func (s *Server) userGroupMembers(p url.Values) reply {
	m, found := s.ix().groups[p.Get("usergroup")]
	if !found {
		return fail("no_such_subteam")
	}
	if m == nil {
		m = []string{}
	}
	return ok(map[string]any{"users": m})
}
