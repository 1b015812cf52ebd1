package settings

import (
	"errors"
	"time"
)

func ValidTimezone(v any) error {
	s, _ := v.(string)
	if s == "" {
		return nil
	}
	if _, err := time.LoadLocation(s); err != nil {
		return errors.New("Unknown timezone; use a name such as Europe/Paris.")
	}
	return nil
}
