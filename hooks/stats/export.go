package stats

import (
	"database/sql"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// exportSpec is one export: its columns (header, SQL expression) and the
// date column that selects rows.
type exportSpec struct {
	from    string
	dateCol string
	where   string // more conditions, ANDed
	columns [][2]string
}

// personColumn stands for a team member (u, joined from users) in an
// export: their e-mail address for owners, their name for agents. The REST
// API hides members' addresses from agents (users' emailVisibility); a
// spreadsheet must not hand them out.
const personColumn = "{person}"

func personExpr(auth *core.Record) string {
	if auth.GetString("role") == "owner" {
		return "COALESCE(u.email, '')"
	}
	return "COALESCE(u.name, '')"
}

var exports = map[string]exportSpec{
	"tickets.csv": {
		from: "tickets t LEFT JOIN users u ON u.id = t.assignee LEFT JOIN contacts c ON c.id = t.contact", dateCol: "t.first_mention_at",
		columns: [][2]string{
			{"id", "t.id"}, {"subject", "t.subject"}, {"status", "t.status"}, {"priority", "t.priority"},
			{"channel", "t.channel"}, {"assignee", personColumn}, {"contact", "COALESCE(c.handle, '')"},
			{"contact_name", "COALESCE(c.display_name, '')"}, {"labels", "t.labels"}, {"needs_answer", "t.needs_answer"},
			{"first_mention_at", "t.first_mention_at"}, {"first_response_at", "t.first_response_at"},
			{"first_response_sec", "t.first_response_sec"}, {"first_response_business_sec", "t.first_response_bh_sec"},
			{"sla_due_at", "t.sla_due_at"}, {"breached", "t.breached"}, {"answered_elsewhere", "t.answered_elsewhere"},
			{"resolved_at", "t.resolved_at"}, {"resolution_sec", "t.resolution_sec"}, {"resolution_business_sec", "t.resolution_bh_sec"},
			{"reopened", "t.reopened"}, {"mentions", "t.mention_count"}, {"sentiment_start", "t.sentiment_start"},
			{"sentiment_end", "t.sentiment_end"}, {"win_back", "t.win_back"},
		},
	},
	"mentions.csv": {
		from: "mentions m", dateCol: "m.published_at",
		columns: [][2]string{
			{"id", "m.id"}, {"ticket", "m.ticket"}, {"channel", "m.channel"}, {"external_id", "m.external_id"},
			{"url", "m.url"}, {"author", "m.author"}, {"author_name", "m.author_name"}, {"published_at", "m.published_at"},
			{"language", "m.language"}, {"sentiment", "m.sentiment"}, {"sentiment_label", "m.sentiment_label"},
			{"intent", "m.intent"}, {"keywords", "m.keywords"}, {"triage", "m.triage"}, {"triage_reason", "m.triage_reason"},
			{"title", "m.title"}, {"text", "m.text"},
		},
	},
	// The owner's corrections as labelled data, in the columns of the
	// analyser's training files (hooks/analysis/training): the labels are
	// the member's where they corrected, the analyser's otherwise.
	"labels.csv": {
		from: "mentions m", dateCol: "m.corrected_at", where: "m.corrected_at != ''",
		columns: [][2]string{
			{"lang", "m.language"}, {"channel", "m.channel"}, {"stars", "COALESCE(json_extract(m.meta, '$.stars'), '')"},
			{"sentiment", "CASE WHEN m.corrected_sentiment != '' THEN m.corrected_sentiment ELSE m.sentiment_label END"},
			{"intent", "CASE WHEN m.corrected_intent != '' THEN m.corrected_intent ELSE m.intent END"},
			{"text", "CASE WHEN m.title != '' AND m.text = '' THEN m.title ELSE m.text END"},
			{"analysed_sentiment", "m.sentiment_label"}, {"analysed_intent", "m.intent"},
			{"corrected_at", "m.corrected_at"}, {"mention", "m.id"},
		},
	},
	"replies.csv": {
		from: "replies r LEFT JOIN users u ON u.id = r.author", dateCol: "r.created",
		columns: [][2]string{
			{"id", "r.id"}, {"ticket", "r.ticket"}, {"author", personColumn}, {"via", "r.via"},
			{"status", "r.status"}, {"created", "r.created"}, {"sent_at", "r.sent_at"}, {"attempts", "r.attempts"},
			{"external_url", "r.external_url"}, {"error", "r.error"}, {"body", "r.body"},
		},
	},
}

func and(cond string) string {
	if cond == "" {
		return ""
	}
	return " AND " + cond
}

// GET /api/md/export/{tickets,mentions,replies}.csv?from=&to=
//
// RFC 4180 CSV in UTF-8 with a byte-order mark (so Excel reads "Café" as
// Café), a header row, CRLF line ends, streamed row by row from one query:
// a million mentions cost the memory of one. A cell starting with = + - @
// tab or CR is prefixed with ' so a spreadsheet shows it instead of running
// it as a formula (CSV injection). Rows are chosen by first_mention_at
// (tickets), published_at (mentions) or created (replies), default: the
// last 30 days. The same data is in the REST API as JSON.
func handleExport(e *core.RequestEvent) error {
	name := e.Request.PathValue("file")
	spec, ok := exports[name]
	if !ok {
		return apis.NewNotFoundError("Exports are tickets.csv, mentions.csv, replies.csv and labels.csv.", nil)
	}
	loc, err := settings.BusinessLocation(e.App)
	if err != nil {
		return err
	}
	from, to, err := parsePeriod(e.Request.URL.Query(), loc)
	if err != nil {
		return apis.NewBadRequestError("Invalid period: "+err.Error()+".", nil)
	}

	cols := make([]string, len(spec.columns))
	header := make([]string, len(spec.columns))
	for i, c := range spec.columns {
		header[i], cols[i] = c[0], c[1]
		if cols[i] == personColumn {
			cols[i] = personExpr(e.Auth)
		}
	}
	rows, err := e.App.DB().NewQuery("SELECT " + strings.Join(cols, ", ") + " FROM " + spec.from +
		" WHERE " + spec.dateCol + " >= {:from} AND " + spec.dateCol + " < {:to}" + and(spec.where) + " ORDER BY " + spec.dateCol).
		Bind(dbx.Params{"from": records.DT(from).String(), "to": records.DT(to).String()}).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()

	w := e.Response
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="mentiondesk-%s-%s-%s"`,
		strings.TrimSuffix(name, ".csv"), from.In(loc).Format("2006-01-02"), to.Add(-time.Second).In(loc).Format("2006-01-02.csv")))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return nil // the client went away
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	record := make([]string, len(cols))
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			e.App.Logger().Error("export: reading a row", "file", name, "error", err)
			return nil // headers are gone: end the stream; the file is visibly short
		}
		for i, v := range vals {
			record[i] = safeCell(v.String)
		}
		if err := cw.Write(record); err != nil {
			return nil
		}
		if n++; n%1000 == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return nil
			}
		}
	}
	cw.Flush()
	if err := rows.Err(); err != nil {
		e.App.Logger().Error("export: query failed mid-stream", "file", name, "error", err)
	}
	return nil
}

// safeCell neutralises spreadsheet formulas. Plain negative numbers are
// left alone: a sentiment of -0.5 is data, not a formula.
func safeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '@', '\t', '\r':
		return "'" + s
	case '-':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s
		}
		return "'" + s
	}
	return s
}
