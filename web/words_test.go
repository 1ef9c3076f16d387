package web

import "testing"

// LowerFirst lowers a first letter of any script, never a byte of one.
func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{"": "", "Em revisão": "em revisão", "Área": "área", "É preciso": "é preciso", "x": "x"} {
		if got := LowerFirst(in); got != want {
			t.Errorf("LowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}
