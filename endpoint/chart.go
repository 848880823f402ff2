package endpoint

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/errbudget/errbudget/budget"
)

// chart is the geometry of one burn-down chart, in the SVG's own units.
// Every string in it is numbers, commas and path letters.
type chart struct {
	W, H                  int
	Left, Right, Top, Bot float64 // the plot area
	Line                  string  // the remaining budget, polyline points
	Area                  string  // the same closed down to 0, path data
	IdealX1, IdealY1      float64
	IdealX2, IdealY2      float64
	ZeroY                 float64
	Overspent             bool    // the scale goes below 0
	OverW, OverH          float64 // the overspent band
	YTicks, XTicks        []tick
	EndX, EndY            float64
	EndDY                 float64 // the end label's offset: above the point, or below it near the top
	EndLabel              string
	Class                 string // ok, warn, bad, none: the curve's colour
	NoData                bool
	Points                int
	Note                  string // what the x-axis spans, when not the whole period
}

type tick struct {
	X, Y   float64
	Label  string
	Anchor string
}

const (
	chartW = 640
	chartH = 220
)

func newChart(bd *budget.BurnDown, class string, loc *time.Location) chart {
	c := chart{W: chartW, H: chartH, Left: 52, Right: chartW - 14, Top: 12, Bot: chartH - 26, Class: class}
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
	y := func(v float64) float64 { return round1(c.Top + (1-v)/(1-bottom)*(c.Bot-c.Top)) }
	// Ticks at the multiples of the step, 0% among them, and at 100%
	// where the curve starts, unless a multiple sits right beside it.
	label := tickPercent
	top := math.Floor(1/step+1e-9) * step
	if 1-top > 0.4*step || top == 1 {
		c.YTicks = append(c.YTicks, tick{X: c.Left - 8, Y: y(1), Label: label(1), Anchor: "end"})
	}
	for k := 0; ; k++ {
		v := top - float64(k)*step
		if v < bottom-1e-9 {
			break
		}
		if v == 1 {
			continue
		}
		c.YTicks = append(c.YTicks, tick{X: c.Left - 8, Y: y(v), Label: label(v), Anchor: "end"})
	}
	c.ZeroY = y(0)
	c.OverW, c.OverH = c.Right-c.Left, round1(c.Bot-c.ZeroY)

	span := bd.End.Sub(bd.Start)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return c.Right
		}
		return round1(c.Left + float64(t.Sub(bd.Start))/float64(span)*(c.Right-c.Left))
	}
	c.IdealX1, c.IdealY1 = c.Left, y(1)
	c.IdealX2, c.IdealY2 = c.Right, y(0)

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
		tk := tick{X: x(t), Y: c.Bot + 18, Label: t.In(loc).Format(layout), Anchor: "middle"}
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
	c.EndX, c.EndY = lastX, lastY
	c.EndDY = -9
	if c.EndY-c.Top < 18 {
		c.EndDY = 20 // a label above a point at the top would be cut off
	}
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
