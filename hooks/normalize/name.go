package normalize

import "strings"

// FirstName takes the first word of a person's name ("" for an e-mail
// address or nothing): how a reply signs and a notification names the
// assigner.
func FirstName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, "@") {
		return ""
	}
	first, _, _ := strings.Cut(name, " ")
	return first
}
