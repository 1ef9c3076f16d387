package floor

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// Series is one stacked part of a bar chart.
type Series struct {
	Name   string
	Color  string // a fill the page's contrast rules accept
	Values []float64
}

// Chart is a bar chart with one bar per label, drawn as SVG on the server:
// no script, no third party, readable by screen readers through its title,
// its description and a title on every bar.
type Chart struct {
	ID     string // unique on the page, for aria references
	Title  string
	Desc   string
	Labels []string // one per bar, e.g. "12 Nov"
	Series []Series
	// Unit formats a value for people, e.g. "%.0f cases"; default "%.0f".
	Unit string
}

const (
	chartWidth  = 720
	chartHeight = 220
	padLeft     = 60
	padRight    = 8
	padTop      = 12
	padBottom   = 28
)

// SVG draws the chart.
func (c Chart) SVG() template.HTML {
	unit := c.Unit
	if unit == "" {
		unit = "%.0f"
	}
	top := niceMax(c.stackMax())
	plotW, plotH := float64(chartWidth-padLeft-padRight), float64(chartHeight-padTop-padBottom)
	n := len(c.Labels)
	var b strings.Builder
	esc := html.EscapeString
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`,
		chartWidth, chartHeight, esc(c.ID), esc(c.ID))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(c.Desc))
	for _, f := range []float64{0, 0.5, 1} { // grid lines with their values
		y := padTop + plotH*(1-f)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#d5dbe3"/>`, padLeft, chartWidth-padRight, y, y)
		label := fmt.Sprintf(unit, top*f)
		if f == 0.5 && (label == fmt.Sprintf(unit, 0.0) || label == fmt.Sprintf(unit, top)) {
			continue // half of a small count rounds to a value already shown
		}
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" font-size="11" fill="#4a5361">%s</text>`,
			padLeft-6, y+4, esc(label))
	}
	if n > 0 {
		slot := plotW / float64(n)
		barW := math.Max(slot*0.7, 1)
		for i, label := range c.Labels {
			x := padLeft + slot*float64(i) + (slot-barW)/2
			y := padTop + plotH
			var parts []string
			fmt.Fprintf(&b, `<g>`)
			for _, s := range c.Series {
				v := s.Values[i]
				parts = append(parts, fmt.Sprintf(unit+" %s", v, s.Name))
				if v <= 0 || top == 0 {
					continue
				}
				h := plotH * v / top
				y -= h
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y, barW, h, esc(s.Color))
			}
			// A transparent full-height target carries the bar's reading.
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%.1f" fill="transparent"><title>%s: %s</title></rect></g>`,
				padLeft+slot*float64(i), padTop, slot, plotH, esc(label), esc(strings.Join(parts, ", ")))
			if (n-1-i)%7 == 0 { // weekly, ending with the last day
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="11" fill="#4a5361">%s</text>`,
					x+barW/2, chartHeight-8, esc(label))
			}
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every piece of text above is escaped
}

func (c Chart) stackMax() float64 {
	var top float64
	for i := range c.Labels {
		var sum float64
		for _, s := range c.Series {
			sum += max(s.Values[i], 0)
		}
		top = max(top, sum)
	}
	return top
}

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten, so that
// the grid's values are round.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}
