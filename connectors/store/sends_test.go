package store

import (
	"strings"
	"testing"
)

func TestHistoryUsesIndex(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	rows, err := s.r.Query(`EXPLAIN QUERY PLAN SELECT `+sendCols+`
		FROM send_items i JOIN sends s ON s.id = i.send_id
		WHERE i.item = $1 AND s.done_at IS NOT NULL ORDER BY s.done_at, s.id`, "x")
	must(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		must(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	joined := strings.Join(plan, "; ")
	t.Logf("plan: %s", joined)
	if !strings.Contains(joined, "send_items_item") || strings.Contains(joined, "SCAN i") {
		t.Errorf("History plan does not search send_items by its item index: %s", joined)
	}
}
