package i18n

import (
	"fmt"
	"strconv"
	"time"
)

// Date formats t with one of the catalog's date layouts, e.g. "date.long":
// "{weekday} {day} {month} {year}, {time} ({zone})". Go's time package
// knows only English names, so weekdays and months come from the catalog
// (weekday.0 is Sunday, month.1 January; their .short forms abbreviate).
// t is read as it is: convert it to the reader's zone first. zone is the
// zone's label as the caller names it ("IST", "UTC-3").
func (c *Catalog) Date(layout string, t time.Time, zone string) string {
	return c.Text(layout,
		"weekday", c.Text(fmt.Sprintf("weekday.%d", t.Weekday())),
		"wd", c.Text(fmt.Sprintf("weekday.%d.short", t.Weekday())),
		"day", c.day(t.Day()),
		"month", c.Text(fmt.Sprintf("month.%d", t.Month())),
		"mon", c.Text(fmt.Sprintf("month.%d.short", t.Month())),
		"year", t.Year(),
		"time", t.Format("15:04"),
		"zone", zone)
}

// day is the day of the month as written: Brazilian Portuguese writes the
// first as an ordinal, "1º de dezembro".
func (c *Catalog) day(d int) string {
	if d == 1 {
		return c.Text("date.first_day")
	}
	return strconv.Itoa(d)
}

// Duration says a length of time in whole days, hours or minutes, e.g.
// "3 days", "24 hours", "less than an hour". Two days and more read in
// days, two hours and more in hours.
func (c *Catalog) Duration(d time.Duration) string {
	switch hours := int(d.Round(time.Hour).Hours()); {
	case hours >= 48:
		return c.N("duration.days", (hours+12)/24)
	case hours > 1:
		return c.N("duration.hours", hours)
	default:
		return c.Text("duration.under_an_hour")
	}
}

// Minutes says a length of time in hours when it is two or more, else in
// minutes: "3 hours", "45 minutes".
func (c *Catalog) Minutes(d time.Duration) string {
	if d >= 2*time.Hour {
		return c.N("duration.hours", int(d.Round(time.Hour).Hours()))
	}
	return c.N("duration.minutes", int(d.Round(time.Minute).Minutes()))
}
