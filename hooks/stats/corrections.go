package stats

import (
	"net/http"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/model"
)

// handleCorrect (POST /api/md/mentions/{id}/correct) lets a member say
// what a mention really is when the analysis got it wrong ("pas pire" is praise in Québec). Corrections are
// labels kept beside the analyser's; they do not re-triage the ticket (a
// member who finds a complaint where praise was logged reopens it from the
// ticket screen). The statistics count them and the labelled-data export
// (labels.csv) gives them back.
func handleCorrect(e *core.RequestEvent) error {
	var body struct {
		Sentiment *string `json:"sentiment"`
		Intent    *string `json:"intent"`
	}
	if err := e.BindBody(&body); err != nil {
		return apis.NewBadRequestError("Invalid request body.", err)
	}
	m, err := e.App.FindRecordById("mentions", e.Request.PathValue("id"))
	if err != nil {
		return apis.NewNotFoundError("Mention not found.", nil)
	}
	errs := validation.Errors{}
	set := func(field string, v *string, allowed []string) {
		if v == nil {
			return
		}
		if *v != "" && !slices.Contains(allowed, *v) {
			errs[field] = validation.NewError("validation_invalid_value", "Invalid value.")
			return
		}
		m.Set("corrected_"+field, *v)
	}
	set("sentiment", body.Sentiment, model.SentimentLabels)
	set("intent", body.Intent, model.Intents)
	if len(errs) > 0 {
		return apis.NewBadRequestError("Please check the highlighted fields.", errs)
	}
	if m.GetString("corrected_sentiment") == "" && m.GetString("corrected_intent") == "" {
		m.Set("corrected_by", "")
		m.Set("corrected_at", "")
	} else {
		m.Set("corrected_by", e.Auth.Id)
		m.Set("corrected_at", time.Now().UTC())
	}
	if err := e.App.Save(m); err != nil {
		return apis.NewBadRequestError("Please check the highlighted fields.", err)
	}
	return e.JSON(http.StatusOK, m)
}

// Corrections say how often members corrected the analysis of the
// period's mentions: a rising share means the analyser does not fit this
// business's customers.
type Corrections struct {
	Mentions  int `json:"mentions" db:"mentions"`
	Corrected int `json:"corrected" db:"corrected"`
	Sentiment int `json:"sentiment" db:"sentiment"` // corrections that changed the sentiment
	Intent    int `json:"intent" db:"intent"`       // corrections that changed the intent
}

// CountCorrections counts the corrections of the mentions published in
// [from, to) that named the business. Two reads, so that neither reads a
// mention's row for nothing: the period's mentions are counted in
// idx_mentions_published_triage alone, and the corrections among them
// come from the few rows idx_mentions_corrected holds (a month is 56,000
// mentions at a million, and a handful of corrections).
func CountCorrections(app core.App, from, to time.Time) (Corrections, error) {
	period := dbx.Params{"from": records.DT(from).String(), "to": records.DT(to).String()}
	var c Corrections
	err := app.DB().NewQuery(`SELECT COUNT(*) FROM mentions
		WHERE published_at >= {:from} AND published_at < {:to} AND triage != 'dropped'`).
		Bind(period).Row(&c.Mentions)
	if err != nil {
		return c, err
	}
	var corr Corrections
	err = app.DB().NewQuery(`SELECT COUNT(*) AS corrected,
		COALESCE(SUM(corrected_sentiment != '' AND corrected_sentiment != sentiment_label), 0) AS sentiment,
		COALESCE(SUM(corrected_intent != '' AND corrected_intent != intent), 0) AS intent
		FROM mentions INDEXED BY idx_mentions_corrected
		WHERE corrected_at != '' AND published_at >= {:from} AND published_at < {:to} AND triage != 'dropped'`).
		Bind(period).One(&corr)
	c.Corrected, c.Sentiment, c.Intent = corr.Corrected, corr.Sentiment, corr.Intent
	return c, err
}
