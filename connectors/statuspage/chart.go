package statuspage

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

// ChartDays is how many days the trend chart shows: twelve weeks, so each
// series has one point per day that has a snapshot, 84 at most.
const ChartDays = ports.StatusDays

// The chart's geometry, in SVG user units. The SVG scales to the width of
// its container; the numbers only fix the proportions.
const (
	chartW      = 840
	chartH      = 280
	chartLeft   = 48
	chartRight  = 12
	chartTop    = 12
	chartBottom = 36
	plotW       = chartW - chartLeft - chartRight
	plotH       = chartH - chartTop - chartBottom
)

// chart is the trend chart ready for the template: coordinates are
// formatted strings, so the template only places them.
type chart struct {
	W, H                     int
	Left, Right, Top, Bottom int // the plot area's edges
	MidX, MidY               int // where "no data" goes
	From, To                 string
	Desc                     string // the text alternative, also shown as a sentence
	Empty                    bool
	Series                   []series
	YTicks, XTicks           []tick
	Rows                     []chartRow // the data, for the table under the chart
}

type series struct {
	Name, Label string // "open", "Open"
	Path        string // the line; a missing day starts a new segment
	Points      []point
}

type point struct{ X, Y, Title string }

type tick struct {
	Pos   string // x for the x axis, y for the y axis
	Label string
}

type chartRow struct {
	Day                       string
	Open, Incomplete, Overdue int
}

// civil is a date with no time of day or zone, as UTC midnight, so that
// subtracting two gives whole days whatever the clocks did in between.
func civil(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// buildChart places the snapshots of the ChartDays days that end on now's
// day, adding up each day's snapshots of the projects shown: every
// project's when project is "", else that project's (named in any case).
// Snapshots outside the window are ignored; when a day has two of one
// project, the later one in the slice wins.
func buildChart(days []Snapshot, project string, now time.Time, loc *time.Location) chart {
	end := civil(now, loc)
	start := end.AddDate(0, 0, -(ChartDays - 1))
	type cell struct {
		idx     int
		project string
	}
	latest := map[cell]*Snapshot{}
	for i := range days {
		s := &days[i]
		if project != "" && !strings.EqualFold(s.Project, project) {
			continue
		}
		idx := int(civil(s.Day, loc).Sub(start).Hours() / 24)
		if idx < 0 || idx >= ChartDays {
			continue
		}
		latest[cell{idx, s.Project}] = s
	}
	var sums [ChartDays]Snapshot
	var byDay [ChartDays]*Snapshot
	present, maxV := 0, 0
	for c, s := range latest {
		if byDay[c.idx] == nil {
			byDay[c.idx] = &sums[c.idx]
			present++
		}
		sums[c.idx].Open += s.Open
		sums[c.idx].Incomplete += s.Incomplete
		sums[c.idx].Overdue += s.Overdue
	}
	for _, s := range byDay {
		if s != nil {
			maxV = max(maxV, s.Open, s.Incomplete, s.Overdue)
		}
	}
	step, yMax := yScale(maxV)

	c := chart{
		W: chartW, H: chartH,
		Left: chartLeft, Right: chartW - chartRight, Top: chartTop, Bottom: chartH - chartBottom,
		MidX: chartLeft + plotW/2, MidY: chartTop + plotH/2,
		From: start.Format(time.DateOnly), To: end.Format(time.DateOnly),
		Empty: present == 0,
	}
	x := func(i int) float64 { return chartLeft + float64(i)*plotW/(ChartDays-1) }
	y := func(v int) float64 { return chartTop + plotH - float64(v)*plotH/float64(yMax) }

	for v := 0; v <= yMax; v += step {
		c.YTicks = append(c.YTicks, tick{Pos: coord(y(v)), Label: strconv.Itoa(v)})
	}
	for i := 0; i < ChartDays; i += 14 {
		c.XTicks = append(c.XTicks, tick{Pos: coord(x(i)), Label: start.AddDate(0, 0, i).Format("Jan 2")})
	}

	defs := []struct {
		name, label string
		value       func(*Snapshot) int
	}{
		{"open", "Open", func(s *Snapshot) int { return s.Open }},
		{"incomplete", "Incomplete", func(s *Snapshot) int { return s.Incomplete }},
		{"overdue", "Overdue", func(s *Snapshot) int { return s.Overdue }},
	}
	var first, last *Snapshot
	for _, s := range byDay {
		if s != nil {
			if first == nil {
				first = s
			}
			last = s
		}
	}
	for _, d := range defs {
		se := series{Name: d.name, Label: d.label, Points: make([]point, 0, present)}
		path := make([]byte, 0, present*16)
		gap := true
		for i, s := range byDay {
			if s == nil {
				gap = true
				continue
			}
			px, py := coord(x(i)), coord(y(d.value(s)))
			if gap {
				path = append(path, 'M')
			} else {
				path = append(path, 'L')
			}
			path = append(path, px...)
			path = append(path, ' ')
			path = append(path, py...)
			gap = false
			day := start.AddDate(0, 0, i).Format(time.DateOnly)
			se.Points = append(se.Points, point{X: px, Y: py, Title: fmt.Sprintf("%s: %d %s", day, d.value(s), d.name)})
		}
		se.Path = string(path)
		c.Series = append(c.Series, se)
	}
	for i, s := range byDay {
		if s != nil {
			c.Rows = append(c.Rows, chartRow{Day: start.AddDate(0, 0, i).Format(time.DateOnly), Open: s.Open, Incomplete: s.Incomplete, Overdue: s.Overdue})
		}
	}

	switch {
	case first == nil:
		c.Desc = fmt.Sprintf("No daily snapshots recorded between %s and %s.", c.From, c.To)
	case present == 1:
		c.Desc = fmt.Sprintf("One daily snapshot between %s and %s: %d open, %d incomplete, %d overdue.",
			c.From, c.To, first.Open, first.Incomplete, first.Overdue)
	default:
		c.Desc = fmt.Sprintf("Daily counts on %d of the %d days from %s to %s: open went from %d to %d, incomplete from %d to %d, overdue from %d to %d.",
			present, ChartDays, c.From, c.To, first.Open, last.Open, first.Incomplete, last.Incomplete, first.Overdue, last.Overdue)
	}
	return c
}

// yScale picks a round step (1, 2 or 5 times a power of ten) that gives
// about four intervals, and the top of the axis as a multiple of it. With
// no data or only zeros the axis still runs 0 to 1.
func yScale(maxV int) (step, top int) {
	n := max(maxV, 1)
	want := (n + 3) / 4
	step = 1
	for step < want {
		switch d := leadingDigit(step); d {
		case 1:
			step *= 2
		case 2:
			step = step / 2 * 5
		default:
			step *= 2
		}
	}
	top = (n + step - 1) / step * step
	return step, top
}

func leadingDigit(n int) int {
	for n >= 10 {
		n /= 10
	}
	return n
}

func coord(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
