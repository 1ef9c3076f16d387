package schedule

import (
	"testing"
	"time"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func weekdays(start, end string) []Hours {
	s, _ := ParseClock(start)
	e, _ := ParseClock(end)
	var hours []Hours
	for d := time.Monday; d <= time.Friday; d++ {
		hours = append(hours, Hours{Day: d, Start: s, End: e})
	}
	return hours
}

// Working hours stay at the same local time across daylight-saving changes
// and in zones with half-hour offsets.
func TestWindowsKeepLocalHours(t *testing.T) {
	tests := []struct {
		name      string
		zone      string
		from      time.Time
		days      int
		wantUTC   []string // starts of each window, UTC
		wantHours float64  // hours of each window
	}{
		{"Berlin, spring forward on Sunday 29 March 2026", "Europe/Berlin",
			time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC), 5,
			[]string{"2026-03-27T08:00:00Z", "2026-03-30T07:00:00Z", "2026-03-31T07:00:00Z"}, 8},
		{"Berlin, fall back on Sunday 25 October 2026", "Europe/Berlin",
			time.Date(2026, 10, 23, 0, 0, 0, 0, time.UTC), 5,
			[]string{"2026-10-23T07:00:00Z", "2026-10-26T08:00:00Z", "2026-10-27T08:00:00Z"}, 8},
		{"Kolkata, half-hour offset", "Asia/Kolkata",
			time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC), 1,
			[]string{"2026-03-30T03:30:00Z"}, 8},
		{"Sao Paulo, no DST since 2019", "America/Sao_Paulo",
			time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), 1,
			[]string{"2026-11-02T12:00:00Z"}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Availability{StaffID: "stf_1", Location: zone(t, tt.zone), Weekly: weekdays("09:00", "17:00")}
			if err := a.Validate(); err != nil {
				t.Fatal(err)
			}
			got := a.Windows(tt.from, tt.from.AddDate(0, 0, tt.days))
			if len(got) != len(tt.wantUTC) {
				t.Fatalf("%d windows, want %d: %v", len(got), len(tt.wantUTC), got)
			}
			for i, w := range got {
				if s := w.Start.UTC().Format(time.RFC3339); s != tt.wantUTC[i] {
					t.Errorf("window %d starts %s, want %s", i, s, tt.wantUTC[i])
				}
				if h := w.End.Sub(w.Start).Hours(); h != tt.wantHours {
					t.Errorf("window %d lasts %vh, want %vh", i, h, tt.wantHours)
				}
			}
		})
	}
}

// A shift across the night the clocks change is an hour shorter or longer,
// because people work by the wall clock.
func TestNightShiftAcrossDST(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	start, _ := ParseClock("00:00")
	end, _ := ParseClock("06:00")
	a := Availability{Location: berlin, Weekly: []Hours{{Day: time.Sunday, Start: start, End: end}}}
	for _, tt := range []struct {
		day   time.Time
		hours float64
	}{
		{time.Date(2026, 3, 29, 0, 0, 0, 0, berlin), 5},
		{time.Date(2026, 10, 25, 0, 0, 0, 0, berlin), 7},
		{time.Date(2026, 11, 1, 0, 0, 0, 0, berlin), 6},
	} {
		w := a.Windows(tt.day, tt.day.AddDate(0, 0, 1))
		if len(w) != 1 || w[0].End.Sub(w[0].Start).Hours() != tt.hours {
			t.Errorf("%s: %v, want one window of %vh", tt.day.Format("2 Jan"), w, tt.hours)
		}
	}
}

func TestExceptions(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	a := Availability{Location: berlin, Weekly: weekdays("09:00", "17:00")}
	monday := time.Date(2026, 6, 1, 0, 0, 0, 0, berlin)
	// A dentist's appointment 11:00-12:00, the whole of Tuesday off, a Saturday extra shift.
	a.Exceptions = []Exception{
		{Interval: Interval{monday.Add(11 * time.Hour), monday.Add(12 * time.Hour)}, Off: true},
		{Interval: Interval{monday.AddDate(0, 0, 1), monday.AddDate(0, 0, 2)}, Off: true},
		{Interval: Interval{monday.AddDate(0, 0, 5).Add(10 * time.Hour), monday.AddDate(0, 0, 5).Add(14 * time.Hour)}},
	}
	got := a.Windows(monday, monday.AddDate(0, 0, 7))
	var total time.Duration
	for _, w := range got {
		total += w.End.Sub(w.Start)
	}
	// 5 days × 8 h, minus 1 h, minus Tuesday's 8 h, plus 4 h on Saturday.
	if want := 35 * time.Hour; total != want {
		t.Fatalf("worked %v, want %v: %v", total, want, got)
	}
}

func TestSlots(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 9, 5, 0, 0, time.UTC) // a window 09:05-10:00
	windows := []Interval{{t0, t0.Add(55 * time.Minute)}}
	booked := []Interval{{t0.Add(15 * time.Minute), t0.Add(25 * time.Minute)}}
	got := Slots(windows, 10*time.Minute, booked)
	var starts []string
	for _, s := range got {
		starts = append(starts, s.Start.Format("15:04"))
	}
	// From the window's start, 09:05 … 09:55; only 09:15 and 09:25 meet the
	// booking [09:20, 09:30), and 09:55 does not fit before 10:00.
	want := "09:05 09:35 09:45"
	if got := join(starts); got != want {
		t.Fatalf("slots %s, want %s", got, want)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestParseClock(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Clock
		ok   bool
	}{
		{"09:30", 570, true}, {"00:00", 0, true}, {"24:00", 1440, true},
		{"24:30", 0, false}, {"9:30", 0, false}, {"09:60", 0, false}, {"nine", 0, false},
	} {
		got, err := ParseClock(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseClock(%q) = %v, %v", tt.in, got, err)
		}
	}
}

// In a zone 5:45 ahead of UTC, slots still start on the agent's hour.
func TestSlotsFollowLocalHours(t *testing.T) {
	kathmandu := zone(t, "Asia/Kathmandu")
	a := Availability{Location: kathmandu, Weekly: weekdays("09:00", "10:00")}
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, kathmandu)
	slots := Slots(a.Windows(day, day.AddDate(0, 0, 1)), 10*time.Minute, nil)
	if len(slots) != 6 || slots[0].Start.In(kathmandu).Format("15:04") != "09:00" {
		t.Fatalf("slots %v", slots)
	}
}

func TestFreeSlotsFollowTheAgentsGrid(t *testing.T) {
	a := Availability{Location: time.UTC, Weekly: weekdays("09:00", "10:00")}
	from := time.Date(2026, 6, 1, 9, 23, 0, 0, time.UTC) // a Monday, 09:23
	slots := a.FreeSlots(from, from.Add(time.Hour), 10*time.Minute, nil)
	if len(slots) != 3 || slots[0].Start.Format("15:04") != "09:30" {
		t.Fatalf("slots %v, want 09:30, 09:40, 09:50", slots)
	}
}
