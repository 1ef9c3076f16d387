package credential

import "testing"

func TestSameName(t *testing.T) {
	tests := []struct {
		profile, credential string
		same                bool
	}{
		{"José da Silva", "SILVA, JOSE DA", true},
		{"José da Silva", "José da Silva", true},
		{"Jose da Silva", "josé DA silva", true},
		{"José da Silva", "da Silva José", true},
		{"José da Silva", "  José   da\tSilva ", true},
		{"José da Silva", "Jose\u0301 da Silva", true}, // é written as e + combining acute
		{"Jean-Pierre Dupont", "Jean Pierre Dupont", true},
		{"Seán O'Brien", "SEAN OBRIEN", true},
		{"Seán O’Brien", "Sean O'Brien", true},
		{"Jürgen Straße", "JURGEN STRASSE", true},
		{"Søren Kierkegaard", "Soren Kierkegaard", true},
		{"Łukasz Wróbel", "Lukasz Wrobel", true},
		{"Ｊｏｓé Silva", "Jose Silva", true}, // full-width letters
		{"Nguyễn Văn An", "NGUYEN VAN AN", true},
		// Near misses: a person decides, never the normalisation.
		{"José da Silva", "José Silva", false},
		{"José da Silva", "José Carlos da Silva", false},
		{"José da Silva", "Josefa da Silva", false},
		{"Ana Souza", "Ana Sousa", false},
		{"Maria Oliveira", "Mario Oliveira", false},
		{"José da Silva", "José da Silva da", false},
		{"Jean-Pierre Dupont", "Jeanpierre Dupont", false},
		{"Li Wei", "Li Wei Li", false},
		{"", "", false},
		{"José", "", false},
	}
	for _, tt := range tests {
		if got := SameName(tt.profile, tt.credential); got != tt.same {
			t.Errorf("SameName(%q, %q) = %v, want %v (tokens %q and %q)", tt.profile, tt.credential, got, tt.same,
				NameTokens(tt.profile), NameTokens(tt.credential))
		}
		if got := SameName(tt.credential, tt.profile); got != tt.same {
			t.Errorf("SameName(%q, %q) = %v, want %v (the other way round)", tt.credential, tt.profile, got, tt.same)
		}
	}
}
