package console

import (
	"html/template"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// questionsByKind groups the stored question templates by claim kind, in
// their order, for a call script.
func questionsByKind(list []*store.QuestionTemplate) map[verification.ClaimKind][]string {
	byKind := map[verification.ClaimKind][]string{}
	for _, q := range list {
		byKind[q.Kind] = append(byKind[q.Kind], q.Text)
	}
	return byKind
}

// questionsFor returns the suggestions for a claim; a claim without a kind,
// or of a kind with no questions, gets the general ones.
func questionsFor(byKind map[verification.ClaimKind][]string, kind verification.ClaimKind) []string {
	if q, ok := byKind[kind]; ok {
		return q
	}
	return byKind[verification.KindOther]
}

// showsWork reports whether the script suggests, for a claim of kind, that
// the freelancer share their screen: a skill is shown best by the work
// itself (a portfolio, a project). It is a suggestion; a call may share a
// screen for any claim, or none, audio-only calls included.
func showsWork(kind verification.ClaimKind) bool {
	return kind == verification.KindSkill
}

// spoken is the part of the script said to the freelancer, in their
// language (Lang, a catalog's tag), as their page shows it: the agent reads
// it out, with its translation beside it.
type spoken struct {
	Lang    string
	Consent said
	// Identity asks for the ID: shown to the camera in a video call, read
	// aloud from the document sent in an audio-only one.
	Identity   said
	Challenges []Challenge
}

// said is one text in the freelancer's language, and its translation in
// the agent's; no translation when the two languages are the same.
type said struct {
	Text, Translation template.HTML
}

// Challenge is a live-check challenge of the call: what the agent asks, and
// what the freelancer's page shows for it.
type Challenge struct {
	Key         string
	Instruction string
	said
	// Shown is true once the agent showed it on the freelancer's page,
	// which holds none until then.
	Shown bool
}

// spokenScript is what the agent says, in the freelancer's language, in a
// call worked in mode, with its translation in the agent's (staff, a staff
// catalog) beside it and each challenge's instruction in the agent's words
// ("call.instruction." and its key): the consent and the call's live check, which the
// domain chose when the call started (verification.CallChallenges), so
// that the decision checks the same ones.
func spokenScript(staff *i18n.Catalog, f *verification.Freelancer, mode verification.Mode, c *store.Call) spoken {
	theirs, ours := i18n.Match(f.Locale), i18n.Match(staff.Tag)
	say := func(text func(*i18n.Catalog) template.HTML) said {
		s := said{Text: text(theirs)}
		if theirs != ours {
			s.Translation = text(ours)
		}
		return s
	}
	out := spoken{Lang: theirs.Tag, Consent: say(func(l *i18n.Catalog) template.HTML { return l.Consent(string(mode)) }),
		Identity: say(func(l *i18n.Catalog) template.HTML { return l.Identity(string(mode)) })}
	for _, ch := range verification.CallChallenges(mode, c.ID, c.Challenges) {
		out.Challenges = append(out.Challenges, Challenge{Key: ch.Key, Instruction: staff.Text("call.instruction." + ch.Key), Shown: ch.ShownAt != nil,
			said: say(func(l *i18n.Catalog) template.HTML { return l.Challenge(ch.Key, ch.Words) })})
	}
	return out
}
