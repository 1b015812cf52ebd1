package hooks

import (
	"errors"
	"strings"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/sla"
)

// Deadlines run in business hours when the owner says so (settings
// sla_business_hours), else on the wall clock. The business-hours figures
// of the stats (first_response_bh_sec...) are always measured against the
// business hours, whichever clock the deadlines use. Calendars are parsed
// once per distinct setting and kept on the hub.
func (h *hub) calendar(s settings) *sla.Calendar {
	key := s.Timezone + "\x00" + string(s.BusinessHoursJSON)
	if c, ok := h.calendars.Load(key); ok {
		return c.(*sla.Calendar)
	}
	c, err := sla.ParseCalendar(s.Timezone, s.BusinessHoursJSON)
	if err != nil {
		// Settings validation refuses such hours; rows written another way
		// fall back to the wall clock rather than stopping every clock.
		h.app.Logger().Warn("sla: business hours unusable, using the wall clock", "error", err)
		c = nil
	}
	h.calendars.Store(key, c)
	return c
}

// addBusinessTime returns when d of SLA time has passed from start.
func (h *hub) addBusinessTime(s settings, start time.Time, d time.Duration) time.Time {
	if !s.SLABusinessHours {
		return start.Add(d)
	}
	if c := h.calendar(s); c != nil {
		return c.Add(start, d).UTC()
	}
	return start.Add(d)
}

// businessElapsed returns the business time between two instants (the
// wall-clock time when no usable business hours are set).
func (h *hub) businessElapsed(s settings, from, to time.Time) time.Duration {
	if c := h.calendar(s); c != nil {
		return c.Elapsed(from, to)
	}
	return to.Sub(from)
}

// registerSettingsChecks refuses business hours and time zones the clock
// cannot use, with the reason on the field.
func (h *hub) registerSettingsChecks() error {
	h.app.OnRecordUpdateRequest("settings").BindFunc(func(e *core.RecordRequestEvent) error {
		tz := e.Record.GetString("timezone")
		if _, err := time.LoadLocation(tz); err != nil || tz == "" {
			return apis.NewBadRequestError("Unknown timezone.", validation.Errors{
				"timezone": validation.NewError("validation_invalid_timezone", "Use a name such as Europe/Paris or America/Toronto."),
			})
		}
		if _, err := sla.ParseCalendar(tz, []byte(e.Record.GetString("business_hours"))); err != nil {
			if !e.Record.GetBool("sla_business_hours") && errors.Is(err, sla.ErrNoOpenTime) {
				return e.Next() // no hours, and the clock does not use them
			}
			return apis.NewBadRequestError("These business hours cannot be used.", validation.Errors{
				"business_hours": validation.NewError("validation_invalid_business_hours", strings.TrimPrefix(err.Error(), "sla: ")),
			})
		}
		return e.Next()
	})
	return nil
}
