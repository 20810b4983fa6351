package adf

import (
	"encoding/json"
	"strings"
)

// Text reads an Atlassian Document Format body back as plain lines, the
// way Jira shows it: blocks on their own lines, list items bulleted,
// mentions by name. The demo's transcript reads the fake's stored comments
// this way, and the CLI's check prints a Cloud comment this way, from the
// very ADF the connector posts, so the two can be compared byte for byte.
func Text(raw json.RawMessage) string {
	var doc node
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "(unreadable ADF: " + err.Error() + ")"
	}
	var b strings.Builder
	doc.write(&b, "")
	return strings.TrimSpace(b.String())
}

type node struct {
	Type    string         `json:"type"`
	Text    string         `json:"text"`
	Attrs   map[string]any `json:"attrs"`
	Content []node         `json:"content"`
}

func (n node) write(b *strings.Builder, prefix string) {
	switch n.Type {
	case "text":
		b.WriteString(n.Text)
	case "mention":
		if t, ok := n.Attrs["text"].(string); ok {
			b.WriteString(t)
		}
	case "hardBreak":
		b.WriteString("\n" + prefix)
	case "rule":
		b.WriteString("────\n")
	case "paragraph", "heading":
		b.WriteString(prefix)
		for _, c := range n.Content {
			c.write(b, prefix)
		}
		b.WriteString("\n")
	case "bulletList", "orderedList":
		for _, c := range n.Content {
			c.write(b, prefix)
		}
	case "listItem":
		var item strings.Builder
		for _, c := range n.Content {
			c.write(&item, "")
		}
		b.WriteString(prefix + "• " + strings.TrimSpace(strings.ReplaceAll(item.String(), "\n", " ")) + "\n")
	default:
		for _, c := range n.Content {
			c.write(b, prefix)
		}
	}
}
