package demo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
)

// untouchable are Deps that fail the test when the loader reaches them.
func untouchable(t *testing.T) Deps {
	return Deps{
		Ingest: func(*core.Record, []connectors.Mention, time.Time) error {
			t.Error("ingest called")
			return nil
		},
		FillTemplate: func(string, *core.Record, *core.Record) string { t.Error("fill called"); return "" },
		CheckSLA:     func(context.Context, time.Time) error { t.Error("SLA pass called"); return nil },
		Headline:     func(s string, _ int) string { return s },
	}
}

// The demo never mixes with real data: a database with a source or a
// ticket is left as it is.
func TestLoadOnlyIntoAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	for _, existing := range []struct {
		collection string
		fields     map[string]any
	}{
		{"sources", map[string]any{"kind": "webhook", "name": "Reviews", "enabled": true}},
		{"tickets", map[string]any{"subject": "Colis cassé", "status": "new", "priority": "normal", "channel": "email"}},
	} {
		app, _ := apptest.New(t)
		apptest.Save(t, app, existing.collection, existing.fields)
		l, err := Register(app, untouchable(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Load(time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"users", "keywords", "templates", "rules"} {
			if n, _ := app.CountRecords(c); n != 0 {
				t.Errorf("with a %s row: %d %s written", existing.collection, n, c)
			}
		}
	}
}

func TestRegisterNamesAMissingDep(t *testing.T) {
	t.Parallel()
	app, _ := apptest.New(t)
	d := untouchable(t)
	d.CheckSLA = nil
	if _, err := Register(app, d); !errors.Is(err, ErrMissingDep) {
		t.Fatalf("err %v, want ErrMissingDep", err)
	}
}
