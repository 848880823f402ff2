package endpoint

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/errbudget/errbudget/budget"
)

// chart is one burn-down chart. The SVG draws the plot only, stretched to
// the box the page gives it (preserveAspectRatio="none", strokes that do not
// scale), in coordinates from 0 to plotSize on both axes. The labels, the
// end point and its value are HTML placed over and around it by percent of
// the plot: they keep their size in CSS pixels at any width, where text
// inside a scaled SVG shrinks with it (7 px high on a 400 px phone).
// Every string in it is numbers, commas and path letters.
type chart struct {
	Size           int    // the plot's viewBox: 0 0 Size Size
	Line           string // the remaining budget, polyline points
	Area           string // the same closed down to 0, path data
	IdealY1        float64
	IdealY2        float64
	ZeroY          float64
	Overspent      bool    // the scale goes below 0
	OverH          float64 // the overspent band's height, below ZeroY
	GridY          []float64
	YTicks, XTicks []tick  // positions in percent of the plot
	EndX, EndY     float64 // percent of the plot
	EndBelow       bool    // the end label goes below the point (near the top)
	EndLabel       string
	Class          string // ok, warn, bad, none: the curve's colour
	NoData         bool
	Points         int
	Note           string      // what the x-axis spans, when not the whole period
	Spans          []chartSpan // incidents of this series (dashboard_incidents.go)
	Marks          []chartMark // changes
}

// tick is one axis label: Pos is the percent of the plot's height (y
// ticks, from the top) or width (x ticks, from the left); Anchor says which
// side of the label sits there: start, middle or end.
type tick struct {
	Pos    float64
	Label  string
	Anchor string
}

const plotSize = 1000

func newChart(bd *budget.BurnDown, class string, loc *time.Location) chart {
	c := chart{Size: plotSize, Class: class}
	lo := 0.0
	valid := 0
	for _, p := range bd.Points {
		if p.Remaining.Valid {
			valid++
			lo = min(lo, p.Remaining.Value)
		}
	}
	c.NoData = valid == 0
	c.Points = valid

	// A scale from 100% down to 0%, or further down in round steps when
	// the budget is overspent.
	// The steps go on (2, 5, 10 times a power of ten) as far as the
	// overspend needs: one bad call at the highest target spends ten
	// million budgets, which must still draw a handful of ticks.
	step := 0.25
	for _, s := range []float64{0.25, 0.5} {
		step = s
		if (1-lo)/s <= 5 {
			break
		}
	}
	for p := 1.0; (1-lo)/step > 5 && p < 1e300; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if step = m * p; (1-lo)/step <= 5 {
				break
			}
		}
	}
	bottom := math.Floor(lo/step) * step
	c.Overspent = bottom < 0
	y := func(v float64) float64 { return round1((1 - v) / (1 - bottom) * plotSize) }
	pct := func(u float64) float64 { return math.Round(u/plotSize*1e4) / 100 }
	// Ticks at the multiples of the step, 0% among them, and at 100%
	// where the curve starts, unless a multiple sits right beside it.
	label := tickPercent
	top := math.Floor(1/step+1e-9) * step
	if 1-top > 0.4*step || top == 1 {
		c.GridY = append(c.GridY, y(1))
		c.YTicks = append(c.YTicks, tick{Pos: pct(y(1)), Label: label(1), Anchor: "end"})
	}
	for k := 0; ; k++ {
		v := top - float64(k)*step
		if v < bottom-1e-9 {
			break
		}
		if v == 1 {
			continue
		}
		c.GridY = append(c.GridY, y(v))
		c.YTicks = append(c.YTicks, tick{Pos: pct(y(v)), Label: label(v), Anchor: "end"})
	}
	c.ZeroY = y(0)
	c.OverH = round1(plotSize - c.ZeroY)
	c.IdealY1, c.IdealY2 = y(1), y(0)

	span := bd.End.Sub(bd.Start)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return plotSize
		}
		return round1(float64(t.Sub(bd.Start)) / float64(span) * plotSize)
	}

	if bd.Start.After(bd.PeriodStart) {
		c.Note = "since the first events, " + bd.Start.In(loc).Format("Jan 2 15:04 MST")
	}
	layout := "Jan 2"
	switch {
	case span < 10*time.Minute:
		layout = "15:04:05"
	case span < 48*time.Hour:
		layout = "15:04"
	}
	for k := 0; k <= 4; k++ {
		t := bd.Start.Add(span * time.Duration(k) / 4)
		tk := tick{Pos: pct(x(t)), Label: t.In(loc).Format(layout), Anchor: "middle"}
		switch k {
		case 0:
			tk.Anchor = "start"
		case 4:
			tk.Label, tk.Anchor = "now", "end"
		}
		c.XTicks = append(c.XTicks, tk)
	}

	if c.NoData {
		return c
	}
	var line, area strings.Builder
	first := true
	var lastX, lastY float64
	for _, p := range bd.Points {
		if !p.Remaining.Valid {
			continue
		}
		px, py := x(p.Time), y(p.Remaining.Value)
		if first {
			area.WriteString("M" + num(px) + "," + num(c.ZeroY) + " ")
			first = false
		} else {
			line.WriteByte(' ')
		}
		line.WriteString(num(px) + "," + num(py))
		area.WriteString("L" + num(px) + "," + num(py) + " ")
		lastX, lastY = px, py
	}
	area.WriteString("L" + num(lastX) + "," + num(c.ZeroY) + " Z")
	c.Line, c.Area = line.String(), area.String()
	c.EndX, c.EndY = pct(lastX), pct(lastY)
	c.EndBelow = c.EndY < 12 // a label above a point at the top would leave the chart
	c.EndLabel = formatPercent(bd.Points[len(bd.Points)-1].Remaining)
	return c
}

// tickPercent labels the y axis: whole percents (the scale's steps are
// round), short enough that "−500%" fits the left margin.
func tickPercent(v float64) string {
	s := strconv.FormatFloat(math.Round(v*100), 'f', 0, 64)
	if s == "-0" {
		s = "0"
	}
	return strings.Replace(s, "-", "−", 1) + "%"
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
