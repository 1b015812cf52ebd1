package analysis

import "testing"

// obviousPosts are plain posts any analyser must get right, written for
// this test (not taken from the training or evaluation sets). They guard
// against what cross-validation cannot see: a word the training posts
// rarely use and mostly in a negated form ("never disappointed") must not
// turn its plain use into praise.
var obviousPosts = []struct{ lang, sentiment, intent, text string }{
	{"en", Negative, IntentComplaint, "So disappointed."},
	{"en", Negative, IntentComplaint, "Very disappointed with my order."},
	{"en", Negative, IntentComplaint, "Worst service ever."},
	{"en", Negative, IntentComplaint, "The coffee was cold and the staff were rude."},
	{"en", Negative, IntentComplaint, "My parcel never arrived."},
	{"en", Negative, IntentComplaint, "Terrible experience, I want a refund."},
	{"en", Negative, IntentComplaint, "They gave me the wrong size. Really annoyed."},
	{"en", Positive, IntentPraise, "Never disappointed, great as always."},
	{"en", Positive, IntentPraise, "Lovely staff and delicious cakes!"},
	{"en", Positive, IntentPraise, "Excellent service, thank you so much."},
	{"en", Positive, IntentPraise, "Highly recommend this garage."},
	{"en", Neutral, IntentQuestion, "Are you open on Sunday?"},
	{"en", Neutral, IntentQuestion, "How much is a haircut?"},
	{"en", Neutral, IntentQuestion, "Do you deliver to Leeds?"},
	{"en", Neutral, IntentOther, "New bakery opening on the high street next week."},
	{"fr", Negative, IntentComplaint, "Très déçue."},
	{"fr", Negative, IntentComplaint, "Vraiment déçu par ma commande."},
	{"fr", Negative, IntentComplaint, "Service nul, personne ne répond."},
	{"fr", Negative, IntentComplaint, "Le café était froid et le serveur désagréable."},
	{"fr", Negative, IntentComplaint, "Colis jamais reçu."},
	{"fr", Negative, IntentComplaint, "Ils m'ont donné la mauvaise taille. Je suis énervée."},
	{"fr", Positive, IntentPraise, "Jamais déçu, toujours parfait."},
	{"fr", Positive, IntentPraise, "Équipe adorable et gâteaux délicieux !"},
	{"fr", Positive, IntentPraise, "Excellent service, merci beaucoup."},
	{"fr", Positive, IntentPraise, "Je recommande ce garage."},
	{"fr", Neutral, IntentQuestion, "Vous êtes ouverts dimanche ?"},
	{"fr", Neutral, IntentQuestion, "Combien coûte une coupe ?"},
	{"fr", Neutral, IntentQuestion, "Vous livrez à Lyon ?"},
	{"fr", Neutral, IntentOther, "Une nouvelle boulangerie ouvre rue Victor Hugo la semaine prochaine."},
}

func TestObviousPosts(t *testing.T) {
	m, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range obviousPosts {
		got := m.Predict(Example{Text: p.text, Lang: p.lang})
		if got.Sentiment != p.sentiment || got.Intent != p.intent {
			t.Errorf("%q: %s/%s, want %s/%s", p.text, got.Sentiment, got.Intent, p.sentiment, p.intent)
		}
	}
}
