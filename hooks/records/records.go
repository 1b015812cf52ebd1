// Package records holds the small helpers every concern uses to read and
// write rows: ids in time order, SQLite's datetime form, IN lists in
// chunks, values clipped to the schema's limits.
package records

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// InChunk bounds the values of one IN list, well under SQLite's limit on
// bound parameters (32,766) and small enough to keep each query's plan
// cheap.
const InChunk = 500

// InList returns "{:p0},{:p1}…" for values and their parameters.
func InList(prefix string, values []string) (string, dbx.Params) {
	names := make([]string, len(values))
	params := make(dbx.Params, len(values))
	for i, v := range values {
		k := prefix + strconv.Itoa(i)
		names[i] = "{:" + k + "}"
		params[k] = v
	}
	return strings.Join(names, ","), params
}

// EachRow runs sql once per chunk of values, which fill its "%s" as an
// IN list, and calls fn for every row.
func EachRow(tx core.App, sql string, params dbx.Params, values []string, fn func(dbx.NullStringMap)) error {
	values = slices.Compact(slices.Sorted(slices.Values(values)))
	for chunk := range slices.Chunk(values, InChunk) {
		names, p := InList("v", chunk)
		maps.Copy(p, params)
		rows, err := tx.DB().NewQuery(fmt.Sprintf(sql, names)).Bind(p).Rows()
		if err != nil {
			return err
		}
		for rows.Next() {
			r := dbx.NullStringMap{}
			if err := rows.ScanMap(r); err != nil {
				rows.Close()
				return err
			}
			fn(r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// DT is t in PocketBase's datetime form.
func DT(t time.Time) types.DateTime {
	d, _ := types.ParseDateTime(t)
	return d
}

// ParseDT reads a datetime column (zero time when empty or malformed).
func ParseDT(s string) time.Time {
	d, _ := types.ParseDateTime(s)
	return d.Time()
}

// Clip cuts s to n characters (runes), the unit of the schema's limits.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// RandomToken returns n random bytes in hex.
func RandomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// SourceOptions reads a source's options object; non-string values (a
// checkbox sent as true) become their text form rather than failing the
// lot.
func SourceOptions(src *core.Record) map[string]string {
	raw := map[string]any{}
	_ = src.UnmarshalJSONField("options", &raw)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if v != nil {
			out[k] = strings.TrimSpace(fmt.Sprint(v))
		}
	}
	return out
}
