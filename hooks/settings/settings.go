package settings

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// Settings is the typed view of the single settings row.
type Settings struct {
	BusinessName      string
	Timezone          string
	BusinessHoursJSON []byte
	SLABusinessHours  bool
	FirstResponse     time.Duration // target, default 1 h
	FirstResponseMax  time.Duration // hard limit, default 24 h
	Resolution        time.Duration
	PriorityOverrides map[string]map[string]int // priority → field → minutes
	ThankPraise       bool
	PublicURL         string
}

func Load(app core.App) (Settings, error) {
	r, err := app.FindRecordById("settings", pb_migrations.SettingsID)
	if err != nil {
		return Settings{}, err
	}
	s := Settings{
		BusinessName:      r.GetString("business_name"),
		Timezone:          r.GetString("timezone"),
		BusinessHoursJSON: []byte(r.GetString("business_hours")),
		SLABusinessHours:  r.GetBool("sla_business_hours"),
		FirstResponse:     minutes(r.GetInt("first_response_target_min"), 60),
		FirstResponseMax:  minutes(r.GetInt("first_response_limit_min"), 24*60),
		Resolution:        minutes(r.GetInt("resolution_target_min"), 0),
		ThankPraise:       r.GetBool("thank_praise"),
		PublicURL:         r.GetString("public_url"),
	}
	_ = r.UnmarshalJSONField("priority_overrides", &s.PriorityOverrides)
	return s, nil
}

func minutes(n, def int) time.Duration {
	if n <= 0 {
		n = def
	}
	return time.Duration(n) * time.Minute
}

// Targets returns the first-response target and limit for a priority,
// with the per-priority overrides applied.
func (s Settings) Targets(priority string) (target, limit time.Duration) {
	target, limit = s.FirstResponse, s.FirstResponseMax
	if o, ok := s.PriorityOverrides[priority]; ok {
		if m := o["first_response_target_min"]; m > 0 {
			target = time.Duration(m) * time.Minute
		}
		if m := o["first_response_limit_min"]; m > 0 {
			limit = time.Duration(m) * time.Minute
		}
	}
	return target, limit
}

// BusinessLocation is the business's time zone (UTC when the setting is
// unusable): days and weeks in stats and exports are the business's days.
func BusinessLocation(app core.App) (*time.Location, error) {
	s, err := Load(app)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}
