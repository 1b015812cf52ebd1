package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// A route is one thing an agent does on the phone, made of the requests
// the app (ui/src) sends for it, with the same parameters; its latency is
// the time until the screen has everything it asked for.
type route struct {
	name string
	do   func(ctx context.Context, a *api, i int) error
}

// The inbox's sections with the default filters, as Inbox.svelte builds
// them (baseFilter with status "active", then segments()): waiting and
// still in time, waiting and late, everything else. PocketBase cannot sort
// on an expression, so the app reads them one after the other.
var inboxSegments = func() []url.Values {
	const base = `(status = "new" || status = "open" || status = "pending")`
	const waiting = `(status = "new" || status = "open") && sla_due_at != ""`
	and := func(x string) string { return "(" + base + ") && (" + x + ")" }
	seg := func(filter, sort string) url.Values {
		// fetchPage: getList(page, 30, {filter, sort, expand, skipTotal: true}).
		return url.Values{"page": {"1"}, "perPage": {"30"}, "skipTotal": {"true"},
			"filter": {filter}, "sort": {sort}, "expand": {"contact,assignee"}}
	}
	return []url.Values{
		seg(and(waiting+" && breached = false"), "-sla_at_risk,sla_due_at,-created"),
		seg(and(waiting+" && breached = true"), "sla_due_at,-created"),
		seg(and(`(status != "new" && status != "open") || sla_due_at = ""`), "-created"),
	}
}()

// inboxPerPage is the app's PER_PAGE: a page fills a phone's screen.
const inboxPerPage = 30

// What agents type in the inbox's search box: common and rare words,
// French and English, two words, an author, a prefix being typed; "cafe
// lune" (the business's name) is in nearly every mention.
var searchWords = []string{"remboursement", "commande jamais", "croissant", "cafe lune", "gluten", "refund order",
	"brunch", "zoe", "rembour", "scandaleux", "vegan", "annulé réservation", "parking", "éclair", "thank", "c"}

// filterValue quotes a value for a PocketBase filter as the SDK's
// pb.filter('{:v}', {v}) does for a string.
func filterValue(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `\'`) + `'`
}

// items is the part of a list answer the routes look at.
type items struct {
	Items []struct {
		ID string `json:"id"`
	} `json:"items"`
}

// errEmpty is a list that should hold rows and came back empty: a list
// rule that fails reads as an empty list, not as an error.
var errEmpty = errors.New("an empty list where rows were expected")

// The ticket screen's reads (Ticket.svelte; TestTicketAsksAsTheApp holds
// the two in step).
const (
	ticketExpand   = "contact,assignee"
	mentionsSort   = "published_at,created"
	repliesExpand  = "replies_via_ticket.author"
	repliesFields  = "expand.replies_via_ticket"
	mentionsPerGet = "200"
)

func routes(tickets []string, now func() time.Time) []route {
	ticket := func(i int) string { return tickets[i%len(tickets)] }
	mentions := func(ctx context.Context, a *api, id string) error {
		// Ticket.svelte loadMentions: getFullList({filter, sort, batch: 200}).
		var page items
		err := a.get(ctx, "/api/collections/mentions/records", url.Values{
			"page": {"1"}, "perPage": {mentionsPerGet}, "skipTotal": {"1"},
			"filter": {"ticket = " + filterValue(id)}, "sort": {mentionsSort},
		}, &page)
		if err == nil && len(page.Items) == 0 {
			err = fmt.Errorf("mentions of %s: %w", id, errEmpty)
		}
		return err
	}
	replies := func(ctx context.Context, a *api, id string) error {
		// Ticket.svelte loadReplies: the ticket's replies as a
		// back-relation, with their authors.
		return a.get(ctx, "/api/collections/tickets/records/"+id, url.Values{
			"expand": {repliesExpand}, "fields": {repliesFields},
		}, nil)
	}
	return []route{
		{"inbox", func(ctx context.Context, a *api, i int) error {
			// Opening the inbox: a page of the first section; a section
			// with fewer rows leaves the list's end in view, and the app
			// reads the next section's first page at once (loadMore),
			// until the screen is full.
			shown := 0
			for _, q := range inboxSegments {
				var page items
				if err := a.get(ctx, "/api/collections/tickets/records", q, &page); err != nil {
					return err
				}
				if shown += len(page.Items); shown >= inboxPerPage {
					return nil
				}
			}
			return fmt.Errorf("inbox: %w", errEmpty)
		}},
		{"ticket", func(ctx context.Context, a *api, i int) error {
			// Ticket.svelte onMount: the ticket first, then its
			// conversation and its replies at once.
			id := ticket(i)
			if err := a.get(ctx, "/api/collections/tickets/records/"+id, url.Values{"expand": {ticketExpand}}, nil); err != nil {
				return err
			}
			return parallel(ctx,
				func(ctx context.Context) error { return mentions(ctx, a, id) },
				func(ctx context.Context) error { return replies(ctx, a, id) })
		}},
		{"mentions", func(ctx context.Context, a *api, i int) error {
			return mentions(ctx, a, ticket(i))
		}},
		{"search", func(ctx context.Context, a *api, i int) error {
			// Inbox.svelte searchMore: api('/search', {q, page, perPage: 20}).
			return a.get(ctx, "/api/md/search", url.Values{
				"q": {searchWords[i%len(searchWords)]}, "page": {"1"}, "perPage": {"20"}}, nil)
		}},
		{"stats", func(ctx context.Context, a *api, i int) error {
			// Dashboard.svelte load() for 30 days: from local midnight 30
			// days ago to now, by day, by channel and by agent, at once.
			to := now()
			from := to.AddDate(0, 0, -30)
			from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, from.Location())
			q := func(by string) url.Values {
				return url.Values{"from": {from.UTC().Format(jsISO)}, "to": {to.UTC().Format(jsISO)}, "group_by": {by}}
			}
			var byDay struct {
				Groups []any `json:"groups"`
			}
			err := parallel(ctx,
				func(ctx context.Context) error { return a.get(ctx, "/api/md/stats", q("day"), &byDay) },
				func(ctx context.Context) error { return a.get(ctx, "/api/md/stats", q("channel"), nil) },
				func(ctx context.Context) error { return a.get(ctx, "/api/md/stats", q("agent"), nil) })
			if err == nil && len(byDay.Groups) == 0 {
				err = fmt.Errorf("stats by day: %w", errEmpty)
			}
			return err
		}},
	}
}

// jsISO is Date.prototype.toISOString's form.
const jsISO = "2006-01-02T15:04:05.000Z"

// parallel runs the requests a screen sends at once and waits for all.
func parallel(ctx context.Context, fs ...func(context.Context) error) error {
	errs := make(chan error, len(fs))
	for _, f := range fs {
		go func() { errs <- f(ctx) }()
	}
	var all []error
	for range fs {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}
