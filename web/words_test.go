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

func TestUpperFirstAndSentence(t *testing.T) {
	for in, want := range map[string]string{"": "", "em revisão": "Em revisão", "área": "Área", "é preciso": "É preciso", "x": "X"} {
		if got := UpperFirst(in); got != want {
			t.Errorf("UpperFirst(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"": "", "password too short": "Password too short.", "área livre.": "Área livre."} {
		if got := Sentence(in); got != want {
			t.Errorf("Sentence(%q) = %q, want %q", in, got, want)
		}
	}
}
