package fairness

import (
	"fmt"
	"time"
)

// Period is a calendar quarter in UTC: the stretch of decisions one report
// follows from a fixed start (see the package documentation for why the
// start must not move with the reading).
type Period struct {
	Year    int
	Quarter int // 1 to 4
}

// PeriodOf is the quarter t falls in.
func PeriodOf(t time.Time) Period {
	t = t.UTC()
	return Period{Year: t.Year(), Quarter: (int(t.Month())-1)/3 + 1}
}

// ParsePeriod reads a period written as [Period.String] writes it ("2026-Q4").
func ParsePeriod(s string) (Period, error) {
	var p Period
	var rest string
	n, _ := fmt.Sscanf(s, "%4d-Q%1d%s", &p.Year, &p.Quarter, &rest)
	if n != 2 || p.Year < 1 || p.Quarter < 1 || p.Quarter > 4 || p.String() != s {
		return Period{}, fmt.Errorf("period %q: want a year and quarter such as 2026-Q4", s)
	}
	return p, nil
}

// Start is the first instant of the period.
func (p Period) Start() time.Time {
	return time.Date(p.Year, time.Month(3*(p.Quarter-1)+1), 1, 0, 0, 0, 0, time.UTC)
}

// End is the first instant after the period.
func (p Period) End() time.Time { return p.Start().AddDate(0, 3, 0) }

// Previous is the quarter before.
func (p Period) Previous() Period { return PeriodOf(p.Start().Add(-time.Nanosecond)) }

// String writes the period as "2026-Q4".
func (p Period) String() string { return fmt.Sprintf("%04d-Q%d", p.Year, p.Quarter) }
