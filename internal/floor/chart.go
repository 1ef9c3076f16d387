package floor

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/attest-dev/attest/internal/i18n"
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
	// Unit formats a value for people, e.g. "%.1f min"; default "%.0f".
	// A bar reads with the unit's decimals (or more, where the grid's step
	// needs them); a grid line with just those its step needs.
	Unit string
	// Decimal is the reader's decimal separator ("," in Portuguese); "."
	// when empty.
	Decimal string
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
	top, step := scale(c.stackMax(), c.whole())
	grid := gridPrecision(unit, step)
	unit = withPrecision(unit, step)
	plotTop := padTop // below the legend, if any
	if len(c.Series) > 1 {
		plotTop += legendHeight
	}
	plotW, plotH := float64(chartWidth-padLeft-padRight), float64(chartHeight-plotTop-padBottom)
	n := len(c.Labels)
	var b strings.Builder
	esc := html.EscapeString
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`,
		chartWidth, chartHeight, esc(c.ID), esc(c.ID))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(c.Desc))
	if len(c.Series) > 1 {
		c.legend(&b)
	}
	for i := 0; float64(i)*step <= top*(1+1e-9); i++ { // grid lines with their values, evenly spaced
		v := float64(i) * step
		y := float64(plotTop) + plotH*(1-v/top)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#d5dbe3"/>`, padLeft, chartWidth-padRight, y, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" font-size="11" fill="#4a5361">%s</text>`,
			padLeft-6, y+4, esc(c.number(grid, v)))
	}
	if n > 0 {
		slot := plotW / float64(n)
		barW := math.Max(slot*0.7, 1)
		for i, label := range c.Labels {
			x := padLeft + slot*float64(i) + (slot-barW)/2
			y := float64(plotTop) + plotH
			var parts []string
			fmt.Fprintf(&b, `<g>`)
			for _, s := range c.Series {
				v := s.Values[i]
				parts = append(parts, c.number(unit, v)+" "+s.Name)
				if v <= 0 || top == 0 {
					continue
				}
				h := plotH * v / top
				y -= h
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y, barW, h, esc(s.Color))
			}
			// A transparent full-height target carries the bar's reading.
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%.1f" fill="transparent"><title>%s: %s</title></rect></g>`,
				padLeft+slot*float64(i), plotTop, slot, plotH, esc(label), esc(strings.Join(parts, ", ")))
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

// legendHeight is the room a legend takes above the plot.
const legendHeight = 20

// legend names each series beside a swatch of its colour, at the top right,
// in the order the series stack (the first at the bottom).
func (c Chart) legend(b *strings.Builder) {
	esc := html.EscapeString
	fmt.Fprintf(b, `<g class="legend" aria-hidden="true">`)
	x := float64(chartWidth - padRight)
	for i := len(c.Series) - 1; i >= 0; i-- {
		s := c.Series[i]
		name := s.Name
		if r, size := utf8.DecodeRuneInString(name); size > 0 {
			name = string(unicode.ToUpper(r)) + name[size:] // by rune: "Área", not a broken byte
		}
		x -= 7*float64(len(name)) + 18 // a generous width for 11px text
		fmt.Fprintf(b, `<rect x="%.1f" y="4" width="11" height="11" fill="%s"/><text x="%.1f" y="14" font-size="11" fill="#4a5361">%s</text>`,
			x, esc(s.Color), x+15, esc(name))
		x -= 12
	}
	b.WriteString(`</g>`)
}

// whole reports whether every value is a whole number (a count): its grid
// then reads whole numbers only.
func (c Chart) whole() bool {
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v != math.Trunc(v) {
				return false
			}
		}
	}
	return true
}

// scale is the top of the grid and the step between its lines for values
// up to v: a step of 1, 2 or 5 times a power of ten (no step under 1 for
// whole numbers), the smallest that covers v in at most four steps, so
// that the lines are evenly spaced and each reads a round value.
func scale(v float64, whole bool) (top, step float64) {
	if v <= 0 {
		return 1, 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v/4)))
	for {
		for _, m := range []float64{1, 2, 5} {
			step = m * p
			if whole && step < 1 {
				continue
			}
			if n := math.Ceil(v/step - 1e-9); n <= 4 {
				return n * step, step
			}
		}
		p *= 10
	}
}

// fixedVerb is a unit's number: %.1f in "%.1f min".
var fixedVerb = regexp.MustCompile(`%\.(\d+)f`)

// number is v in unit, with the reader's decimal separator.
func (c Chart) number(unit string, v float64) string {
	return i18n.Decimal(fmt.Sprintf(unit, v), c.Decimal)
}

// gridPrecision is the unit with exactly the decimals a grid line at
// multiples of step needs: a step of 1 reads "0 min, 1 min", not "0.0 min,
// 1.0 min"; a step of 0.01 reads "0.01 min".
func gridPrecision(unit string, step float64) string {
	need := 0
	if step > 0 && step < 1 {
		need = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	return fixedVerb.ReplaceAllString(unit, fmt.Sprintf("%%.%df", need))
}

// withPrecision gives a unit's number at least the decimals its grid's
// step needs, so that grid lines never read alike: a step of 0.01 minutes
// reads "0.01 min", not "0.0 min" five times.
func withPrecision(unit string, step float64) string {
	if step <= 0 || step >= 1 {
		return unit
	}
	need := int(math.Ceil(-math.Log10(step) - 1e-9))
	return fixedVerb.ReplaceAllStringFunc(unit, func(verb string) string {
		if have, _ := strconv.Atoi(fixedVerb.FindStringSubmatch(verb)[1]); have >= need {
			return verb
		}
		return fmt.Sprintf("%%.%df", need)
	})
}
