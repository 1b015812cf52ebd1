package hooks

import (
	"testing"
)

// BenchmarkLoadDatabase builds the load-test database, or finds it built,
// and says where it is: 1,000,000 mentions (MD_BENCH_SEARCH_MENTIONS for
// another size) through the real ingest pipeline, spread over a year, in
// $TMPDIR/md-bench-search-<n>. tools/loadtest serves a copy of it with the
// release binary; BenchmarkServerUnderLoad serves it in-process.
//
//	GOTOOLCHAIN=go1.27.3 nice -n 10 go test ./hooks -run '^$' -bench BenchmarkLoadDatabase -benchtime 1x -timeout 60m -v
//
// A directory already built (it holds a "ready" file) is reused; point
// TMPDIR elsewhere to build one from scratch.
func BenchmarkLoadDatabase(b *testing.B) {
	if testing.Short() {
		b.Skip("large")
	}
	app, _ := searchDB(b)
	var mentions, tickets int
	_ = app.DB().NewQuery("SELECT count(*) FROM mentions").Row(&mentions)
	_ = app.DB().NewQuery("SELECT count(*) FROM tickets").Row(&tickets)
	b.Logf("%s: %d mentions, %d tickets; members sign in as agent@example.com or owner@example.com, "+
		"superuser admin@example.com, password %s; sources sealed with MD_ENCRYPTION_KEY=%s",
		searchDBDir, mentions, tickets, fixturePasswd, testKey)
}
