package verification

import (
	"testing"
	"time"
)

func TestShortfalls(t *testing.T) {
	p := DefaultPolicy()
	from := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	hour := func(h int) time.Time { return from.Add(time.Duration(h) * time.Hour) }
	slots := []time.Time{hour(1), hour(2), hour(3)}
	beyond := from.Add(365 * Day)
	tests := []struct {
		name    string
		backlog []Waiting
		want    map[string]time.Time
	}{
		{"everyone has a slot", []Waiting{{"a", hour(100), from}, {"b", hour(200), from}}, map[string]time.Time{}},
		// b's deadline is the earlier: it is promised the first slot, a the
		// second, which ends after a's deadline less the margin.
		{"served in deadline order", []Waiting{{"a", hour(49), from}, {"b", hour(49), from.Add(-time.Hour)}}, map[string]time.Time{"a": p.ServeBy(hour(2))}},
		{"more cases than slots", []Waiting{{"a", hour(100), from}, {"b", hour(100), from}, {"c", hour(100), from}, {"d", hour(100), from}},
			map[string]time.Time{"d": p.ServeBy(beyond)}},
		// A case inside its last margin had its slot already: it is neither
		// moved nor counted against the others.
		{"a case living on its margin", []Waiting{{"late", hour(10), from}, {"a", hour(50), from}}, map[string]time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Shortfalls(tt.backlog, slots, from, beyond)
			if len(got) != len(tt.want) {
				t.Fatalf("Shortfalls = %v, want %v", got, tt.want)
			}
			for id, need := range tt.want {
				if !got[id].Equal(need) {
					t.Fatalf("%s needs %v, want %v (all: %v)", id, got[id], need, got)
				}
			}
		})
	}
}

func TestStatements(t *testing.T) {
	p := DefaultPolicy()
	closed := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	until := closed.Add(14 * Day)
	v := &Verification{ID: "ver_1", Status: NotVerified, Claims: []string{"location", "degree", "skill"}, ClosedAt: &closed, AppealUntil: &until}
	f := &Freelancer{Claims: []Claim{{Key: "location", Label: "Location"}, {Key: "degree", Label: "Degree"}}}
	found := Findings(v, f, []ClaimOutcome{{Key: "location", Outcome: Confirmed}, {Key: "degree", Outcome: NotConfirmed}})
	want := []ClaimFinding{{"degree", "Degree", "not_confirmed"}, {"skill", "skill", "not_checked"}}
	if len(found) != 2 || found[0] != want[0] || found[1] != want[1] {
		t.Fatalf("Findings = %+v, want %+v", found, want)
	}
	st := p.DecisionStatement(v, "claim_not_supported", found, closed.Add(Day))
	if st.Basis != BasisDecision || st.Reason == "claim_not_supported" || len(st.Restrictions) != 1 || !st.RestrictedSince.Equal(closed) {
		t.Fatalf("decision statement %+v", st)
	}
	if len(st.NextSteps) != 1 || st.NextSteps[0].Action != "appeal" || !st.NextSteps[0].Until.Equal(until) {
		t.Fatalf("next steps %+v", st.NextSteps)
	}
	if late := p.DecisionStatement(v, "claim_not_supported", found, until.Add(time.Hour)); len(late.NextSteps) != 0 {
		t.Fatalf("an appeal offered after its window: %+v", late.NextSteps)
	}
	open := &Verification{ID: "ver_2", Status: AwaitingDocuments, Deadline: closed}
	if o := p.OverdueStatement(open, nil); o.NextSteps[0].Action != "send_documents" || !o.RestrictedSince.Equal(closed) {
		t.Fatalf("overdue statement %+v", o)
	}
}
