package model

import "testing"

func TestMessagesAreOneEach(t *testing.T) {
	codes, english := map[string]bool{}, map[string]bool{}
	for _, m := range Messages {
		if m.Code == "" || m.EN == "" || m.FR == "" {
			t.Errorf("incomplete message %+v", m)
		}
		if codes[m.Code] || english[m.EN] {
			t.Errorf("%s: code or English text twice", m.Code)
		}
		codes[m.Code], english[m.EN] = true, true
	}
}

func TestMatchMessageWithParameters(t *testing.T) {
	m, params, ok := MatchMessage("Search for at most 10 words at once (you typed 14).")
	if !ok || m.Code != "search_too_many_words" || params["max"] != "10" || params["n"] != "14" {
		t.Fatalf("MatchMessage: %+v %v %v", m, params, ok)
	}
	if got := m.Render(LangFR, params); got != "Cherchez au plus 10 mots à la fois (vous en avez tapé 14)." {
		t.Errorf("French: %q", got)
	}
	if _, _, ok := MatchMessage("Search for at most 10 words at once."); ok {
		t.Error("a message that only starts like a template matched it")
	}
	if m, _, ok := MatchMessage("Ticket not found."); !ok || m.Code != "ticket_not_found" {
		t.Errorf("plain message: %+v %v", m, ok)
	}
}
