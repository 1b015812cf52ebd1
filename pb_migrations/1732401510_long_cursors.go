package pb_migrations

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A source's cursor is what its connector needs to resume, written by the
// poller as the connector made it: a YouTube channel keeps the reply
// counts of up to 500 threads, an Instagram account the comment counts of
// its latest posts, a Google account one position per location. That runs
// well past the 2000 characters the first schema allowed, and every
// validated save of such a source (connecting it again after a revoked
// grant, the owner renaming it) then failed on a column it did not touch.
// The cursor may now hold 200,000 characters.
func init() {
	setMax := func(app core.App, max int) error {
		sources, err := app.FindCollectionByNameOrId("sources")
		if err != nil {
			return err
		}
		cursor, ok := sources.Fields.GetByName("cursor").(*core.TextField)
		if !ok {
			return fmt.Errorf("sources.cursor is not a text field")
		}
		cursor.Max = max
		return app.Save(sources)
	}
	m.Register(func(app core.App) error {
		return setMax(app, 200000)
	}, func(app core.App) error {
		return setMax(app, 2000)
	})
}
