package stats

import (
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Compute answers q from the in-memory stats index, loading it from app
// first if needed: one pass over the period's tickets (medians need the
// values, day buckets need the time zone) and over its hourly mention
// counts. It returns the totals and the groups, sorted by key.
func (r *Reporter) Compute(app core.App, sq Query) (*Figures, []*Figures, error) {
	if err := r.index.ensureLoaded(app); err != nil {
		return nil, nil, err
	}
	if sq.keys == nil {
		sq.keys = map[int64]string{}
	}
	totals := newFigures("", "")
	groups := map[string]*Figures{}
	group := func(key string) *Figures {
		if sq.GroupBy == "" {
			return nil
		}
		g := groups[key]
		if g == nil {
			g = newFigures(key, key)
			groups[key] = g
		}
		return g
	}
	// Mentions are counted per hour and channel; an agent's share of them
	// (group_by=agent, mine=1) is the mentions of their tickets, and their
	// mood the mood each of those tickets opened with.
	byTicket := sq.Mine != "" || sq.GroupBy == "agent"
	r.index.scanTickets(sq.From, sq.To, func(f *ticketFact) {
		if sq.Mine != "" && f.assignee != sq.Mine {
			return
		}
		fr, res := f.fr, f.res
		if sq.BusinessHours {
			fr, res = f.frBH, f.resBH
		}
		for _, g := range []*Figures{totals, group(sq.groupKey(time.Unix(f.first, 0), f.channel, f.assignee))} {
			if g == nil {
				continue
			}
			g.Tickets++
			if f.breached {
				g.Breaches++
			}
			if f.winBack {
				g.WinBacks++
			}
			if f.needs && (f.status != "ignored" || f.answered) {
				g.NeedingAnswer++
				if f.answered {
					g.Answered++
					if f.elsewhere {
						g.AnsweredElsewhere++
					} else if f.byHand {
						g.AnsweredByHand++
					}
					g.firstResponses = append(g.firstResponses, time.Duration(fr)*time.Second)
					if fr <= 3600 {
						g.Within1h++
					}
					if fr <= 86400 {
						g.Within24h++
					}
				}
			}
			if f.status == "resolved" && res > 0 {
				g.resol = append(g.resol, time.Duration(res)*time.Second)
			}
			if byTicket && f.mentions > 0 {
				g.Mentions += int(f.mentions)
				g.Sentiment.add(sentimentLabel(f.sentiment), 1)
			}
		}
	})
	if !byTicket {
		r.index.scanHours(sq.From, sq.To, func(k hourKey, n int) {
			for _, g := range []*Figures{totals, group(sq.groupKey(time.Unix(k.hour, 0), k.channel, ""))} {
				if g == nil {
					continue
				}
				g.Mentions += n
				g.Sentiment.add(k.sentiment, n)
			}
		})
	}
	totals.finish()
	out := make([]*Figures, 0, len(groups))
	for _, g := range groups {
		g.finish()
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *Figures) int { return strings.Compare(a.Key, b.Key) })
	if sq.GroupBy == "agent" {
		for _, g := range out {
			g.Label = "—"
			if u, err := app.FindRecordById("users", g.Key); err == nil {
				g.Label = u.GetString("name")
			}
		}
	}
	return totals, out, nil
}
