package verification

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

// Every text the API and the staff take refuses control characters and the
// invisible characters that reorder or hide text, naming the field with code
// invalid; line feeds and tabs only where text may run over several lines.
func TestTextRefusesHiddenCharacters(t *testing.T) {
	hidden := map[string]rune{
		"NUL": 0x00, "BEL": 0x07, "CR": '\r', "ESC": 0x1b, "DEL": 0x7f, "C1 NEL": 0x85, "C1 CSI": 0x9b,
		"LRE": 0x202A, "RLE": 0x202B, "PDF": 0x202C, "LRO": 0x202D, "RLO": 0x202E,
		"LRI": 0x2066, "RLI": 0x2067, "FSI": 0x2068, "PDI": 0x2069,
		"LRM": 0x200E, "RLM": 0x200F, "ALM": 0x061C,
		"ZWSP": 0x200B, "WJ": 0x2060, "BOM": 0xFEFF, "LSEP": 0x2028, "PSEP": 0x2029,
		"inhibit symmetric swapping": 0x206A, "interlinear annotation": 0xFFF9,
	}
	surfaces := []struct {
		field     string
		set       func(f *Freelancer, r *Request, o *ClaimOutcome, s string)
		multiline bool
	}{
		{"display_name", func(f *Freelancer, _ *Request, _ *ClaimOutcome, s string) { f.DisplayName = s }, false},
		{"claims[1].label", func(f *Freelancer, _ *Request, _ *ClaimOutcome, s string) { f.Claims[1].Label = s }, false},
		{"claims[0].value", func(f *Freelancer, _ *Request, _ *ClaimOutcome, s string) { f.Claims[0].Value = s }, true},
		{"reason.explanation", func(_ *Freelancer, r *Request, _ *ClaimOutcome, s string) { r.Reason.Explanation = s }, true},
		{"note", func(_ *Freelancer, _ *Request, o *ClaimOutcome, s string) { o.Note = s }, true},
	}
	validate := func(set func(*Freelancer, *Request, *ClaimOutcome, string), s string) error {
		f := validFreelancer()
		r := Request{FreelancerID: f.ID, Reason: Reason{Code: "new_account_review", Explanation: "New accounts are checked once."}}
		o := ClaimOutcome{Key: "location", Outcome: Outcomes[0]}
		set(&f, &r, &o, s)
		if err := f.Validate(); err != nil {
			return err
		}
		if err := r.Validate(&f, DefaultPolicy()); err != nil {
			return err
		}
		return o.Validate(&Verification{Claims: []string{"location"}})
	}
	for _, sf := range surfaces {
		for name, r := range hidden {
			t.Run(sf.field+"/"+name, func(t *testing.T) {
				err := validate(sf.set, "Ana "+string(r)+"Souza")
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != sf.field || fe.Code != "invalid" {
					t.Fatalf("U+%04X in %s: got %v, want invalid on %s", r, sf.field, err, sf.field)
				}
			})
		}
		for _, lineBreak := range []string{"\n", "\t"} {
			err := validate(sf.set, "Ana"+lineBreak+"Souza")
			var fe *FieldError
			if sf.multiline && err != nil {
				t.Errorf("%q in %s, which may run over lines: %v", lineBreak, sf.field, err)
			}
			if !sf.multiline && (!errors.As(err, &fe) || fe.Field != sf.field || fe.Code != "invalid") {
				t.Errorf("%q in the one-line %s: got %v, want invalid", lineBreak, sf.field, err)
			}
		}
		// Scripts and emoji that need joiners, and right-to-left text
		// written without controls, are text like any other.
		for _, fine := range []string{"Zoë Ødegård", "مریم\u200cزاده", "सत्य\u200dम", "أحمد", "שרה", "👩\u200d💻 Ana", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", "Anna\u00adMaria"} {
			if err := validate(sf.set, fine); err != nil {
				t.Errorf("%q in %s: %v", fine, sf.field, err)
			}
		}
	}
}

// net/mail takes UTF-8 local parts, bidirectional overrides included; the
// address is refused all the same.
func TestEmailRefusesHiddenCharacters(t *testing.T) {
	for _, email := range []string{"ana\u202e@example.com", "an\u200ba@example.com", "ana@exa\u2067mple.com"} {
		f := validFreelancer()
		f.Email = email
		var fe *FieldError
		if err := f.Validate(); !errors.As(err, &fe) || fe.Field != "email" || fe.Code != "invalid" {
			t.Errorf("email %q: got %v, want invalid on email", email, err)
		}
	}
}

func TestCheckCharsNamesTheCharacter(t *testing.T) {
	err := CheckChars("description", "invoice\u202Efdp.exe", false)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "description" || fe.Code != "invalid" || !strings.Contains(fe.Message, "U+202E") {
		t.Fatalf("got %v", err)
	}
	if err := CheckChars("description", "", false); err != nil {
		t.Fatalf("empty text: %v", err)
	}
}

// The refused set covers Unicode's own list of bidirectional controls.
func TestHiddenCharsCoverBidiControls(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.Is(unicode.Bidi_Control, r) && !hiddenChar(r) {
			t.Errorf("U+%04X is a bidirectional control that CheckChars lets through", r)
		}
	}
}
