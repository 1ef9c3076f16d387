package verification

import "testing"

// OffersCredential: before a call, or while documents are asked for a
// claim a credential confirms, and only while the identity step is open.
func TestOffersCredential(t *testing.T) {
	name := Claim{Key: "legal_name", Value: "Ana", Kind: KindIdentity}
	matched := func(step string) []StepRecord { return []StepRecord{{Step: step, Result: "matched"}} }
	cases := []struct {
		name        string
		status      Status
		documents   []string
		steps       []StepRecord
		confirmable []Claim
		want        bool
	}{
		{"awaiting", AwaitingFreelancer, nil, nil, []Claim{name}, true},
		{"booked", Scheduled, nil, nil, []Claim{name}, true},
		{"in the queue", InQueue, nil, nil, []Claim{name}, true},
		{"nothing a credential confirms", AwaitingFreelancer, nil, nil, nil, false},
		{"in a call", InCall, nil, nil, []Claim{name}, false},
		{"in review", InReview, nil, nil, []Claim{name}, false},
		{"verified", Verified, nil, nil, []Claim{name}, false},
		{"documents for the legal name", AwaitingDocuments, []string{"legal_name"}, nil, []Claim{name}, true},
		{"documents for the location", AwaitingDocuments, []string{"location"}, nil, []Claim{name}, false},
		{"ID seen on camera", AwaitingFreelancer, nil, matched(StepIdentity), []Claim{name}, false},
		{"ID in a document", AwaitingDocuments, []string{"legal_name"}, matched(StepIdentityDocument), []Claim{name}, false},
		{"a credential matched already", InQueue, nil, matched(StepIdentityCredential), []Claim{name}, false},
		{"an ID that did not match", AwaitingFreelancer, nil, []StepRecord{{Step: StepIdentity, Result: "not_matched"}}, []Claim{name}, true},
	}
	for _, c := range cases {
		v := &Verification{Status: c.status, Claims: []string{"legal_name", "location"}, DocumentsFor: c.documents}
		if got := OffersCredential(v, c.steps, c.confirmable); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
