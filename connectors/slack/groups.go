package slack

import "context"

// GroupMembers lists the members of a Slack user group ("S…") with
// usergroups.users.list (scope usergroups:read): the engine authorises the
// answers of a configured group's members. Rate limits are waited out.
func (c *Connector) GroupMembers(ctx context.Context, group string) ([]string, error) {
	var members []string
	err := c.retry(ctx, "usergroups.users.list", func() error {
		var err error
		members, err = c.api.GetUserGroupMembersContext(ctx, group)
		return err
	})
	if err != nil {
		return nil, c.wrap("usergroups.users.list", err)
	}
	return members, nil
}
