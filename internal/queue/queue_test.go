package queue

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)

func TestDispatchOrder(t *testing.T) {
	away := t0.Add(time.Minute)
	entries := []Entry{
		{VerificationID: "late-deadline-early-join", Deadline: t0.Add(72 * time.Hour), JoinedAt: t0},
		{VerificationID: "soon-deadline-late-join", Deadline: t0.Add(24 * time.Hour), JoinedAt: t0.Add(10 * time.Minute)},
		{VerificationID: "soon-deadline-early-join", Deadline: t0.Add(24 * time.Hour), JoinedAt: t0.Add(time.Minute), AwaySince: &away},
	}
	Sort(entries)
	want := []string{"soon-deadline-early-join", "soon-deadline-late-join", "late-deadline-early-join"}
	for i, id := range want {
		if entries[i].VerificationID != id {
			t.Fatalf("position %d: %s, want %s", i+1, entries[i].VerificationID, id)
		}
	}
	if p := Position(entries, "late-deadline-early-join"); p != 3 {
		t.Fatalf("position %d, want 3", p)
	}
	if p := Position(entries, "nobody"); p != 0 {
		t.Fatalf("position of an absent entry %d, want 0", p)
	}
	if entries[0].Present() || !entries[0].Held(away.Add(14*time.Minute), 15*time.Minute) || entries[0].Held(away.Add(15*time.Minute), 15*time.Minute) {
		t.Fatal("away entry: present or held wrong")
	}
}

func TestWait(t *testing.T) {
	e := Estimator{HandleTime: 4 * time.Minute}
	tests := []struct {
		position, online, idle int
		want                   time.Duration
		ok                     bool
	}{
		{1, 10, 1, 0, true},                // an agent is free: now
		{1, 10, 0, 24 * time.Second, true}, // the next of ten calls to end
		{10, 10, 0, 4 * time.Minute, true}, // ten ends away
		{3, 1, 0, 12 * time.Minute, true},  // one agent, three calls
		{5, 4, 2, 3 * time.Minute, true},   // two taken now, three ends for the fifth
		{1, 0, 0, 0, false},                // nobody online: no number
		{0, 3, 0, 0, false},                // not queued
	}
	for _, tt := range tests {
		got, ok := e.Wait(tt.position, tt.online, tt.idle)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Wait(%d, %d, %d) = %v %v, want %v %v", tt.position, tt.online, tt.idle, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSummarise(t *testing.T) {
	s := Summarise([]Entry{{JoinedAt: t0}, {JoinedAt: t0.Add(3 * time.Minute)}}, t0.Add(5*time.Minute))
	if s.Waiting != 2 || s.LongestWait != 5*time.Minute {
		t.Fatalf("%+v", s)
	}
}

func TestShouldNotify(t *testing.T) {
	away := t0
	notified := t0
	hold := 15 * time.Minute
	tests := []struct {
		name     string
		e        Entry
		position int
		now      time.Time
		want     bool
	}{
		{"present", Entry{}, 1, t0, false},
		{"away and next", Entry{AwaySince: &away}, 1, t0.Add(time.Minute), true},
		{"away and second", Entry{AwaySince: &away}, 2, t0.Add(time.Minute), true},
		{"away and far", Entry{AwaySince: &away}, 3, t0.Add(time.Minute), false},
		{"already told", Entry{AwaySince: &away, NotifiedAt: &notified}, 1, t0.Add(time.Minute), false},
		{"place released", Entry{AwaySince: &away}, 1, t0.Add(hold), false},
	}
	for _, tt := range tests {
		if got := tt.e.ShouldNotify(tt.position, tt.now, hold); got != tt.want {
			t.Errorf("%s: ShouldNotify = %v, want %v", tt.name, got, tt.want)
		}
	}
}
