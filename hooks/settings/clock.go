package settings

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/sla"
)

// Clock measures SLA time. Deadlines run in business hours when the owner
// says so (settings sla_business_hours), else on the wall clock. The
// business-hours figures of the stats (first_response_bh_sec...) are
// always measured against the business hours, whichever clock the
// deadlines use. Calendars are parsed once per distinct setting: every
// ticket save asks for one.
type Clock struct {
	log       *slog.Logger
	calendars sync.Map // timezone + "\x00" + hours JSON → *sla.Calendar (nil: unusable)
}

// NewClock returns a clock that logs unusable hours to log.
func NewClock(log *slog.Logger) *Clock { return &Clock{log: log} }

// Calendar returns the business-hours calendar of s, nil when unusable.
func (c *Clock) Calendar(s Settings) *sla.Calendar {
	key := s.Timezone + "\x00" + string(s.BusinessHoursJSON)
	if cal, ok := c.calendars.Load(key); ok {
		return cal.(*sla.Calendar)
	}
	cal, err := sla.ParseCalendar(s.Timezone, s.BusinessHoursJSON)
	if err != nil {
		// Settings validation refuses such hours; rows written another way
		// fall back to the wall clock rather than stopping every clock.
		c.log.Warn("sla: business hours unusable, using the wall clock", "error", err)
		cal = nil
	}
	c.calendars.Store(key, cal)
	return cal
}

// AddBusinessTime returns when d of SLA time has passed from start.
func (c *Clock) AddBusinessTime(s Settings, start time.Time, d time.Duration) time.Time {
	if !s.SLABusinessHours {
		return start.Add(d)
	}
	if cal := c.Calendar(s); cal != nil {
		return cal.Add(start, d).UTC()
	}
	return start.Add(d)
}

// BusinessElapsed returns the business time between two instants (the
// wall-clock time when no usable business hours are set).
func (c *Clock) BusinessElapsed(s Settings, from, to time.Time) time.Duration {
	if cal := c.Calendar(s); cal != nil {
		return cal.Elapsed(from, to)
	}
	return to.Sub(from)
}

// Register refuses business hours and time zones the clock cannot use,
// with the reason on the field.
func Register(app core.App) error {
	app.OnRecordUpdateRequest("settings").BindFunc(func(e *core.RecordRequestEvent) error {
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
