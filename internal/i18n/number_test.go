package i18n

import "testing"

func TestDecimal(t *testing.T) {
	for _, tc := range []struct{ s, sep, want string }{
		{"2.5 min", ",", "2,5 min"},
		{"85.4 % and 1.0.", ",", "85,4 % and 1,0."},
		{"Done. 3 min", ",", "Done. 3 min"},
		{"2.5 min", "", "2.5 min"},
		{"2.5 min", ".", "2.5 min"},
		{"2.5", "$1", "2$15"},
	} {
		if got := Decimal(tc.s, tc.sep); got != tc.want {
			t.Errorf("Decimal(%q, %q) = %q, want %q", tc.s, tc.sep, got, tc.want)
		}
	}
}
