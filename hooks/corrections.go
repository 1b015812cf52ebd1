package hooks

import (
	"net/http"
	"slices"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/model"
)

// registerCorrections lets a member say what a mention really is when the
// analysis got it wrong ("pas pire" is praise in Québec). Corrections are
// labels kept beside the analyser's; they do not re-triage the ticket (a
// member who finds a complaint where praise was logged reopens it from the
// ticket screen). The statistics count them and the labelled-data export
// (labels.csv) gives them back.
func (h *hub) registerCorrections() error {
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/md/mentions/{id}/correct", h.handleCorrect).Bind(apis.RequireAuth("users"))
		return se.Next()
	})
	return nil
}

func (h *hub) handleCorrect(e *core.RequestEvent) error {
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
