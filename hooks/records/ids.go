package records

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// NewID returns a record id in PocketBase's format (15 characters of
// [a-z0-9]) that sorts by creation time: 9 base-36 digits of Unix
// milliseconds, then 6 random ones.
//
// Ingest writes its rows with ids of its own because of where they land.
// A random id puts every new row's entry in the id index, and in every
// index keyed by a relation to it (a mention's ticket and contact, a
// ticket's contact), on a page of its own, and each such page is written
// again at every batch's commit. Ids in time order are appended to the
// last pages instead, and a recent ticket's mentions join it there too.
func NewID() string {
	var b strings.Builder
	b.Grow(15)
	ms := strconv.FormatInt(time.Now().UnixMilli(), 36)
	for range 9 - len(ms) {
		b.WriteByte('0')
	}
	b.WriteString(ms)
	for range 6 {
		b.WriteByte(idDigits[rand.IntN(len(idDigits))])
	}
	return b.String()
}

// idDigits in byte order, so ids compare in SQLite as their times do.
const idDigits = "0123456789abcdefghijklmnopqrstuvwxyz"
