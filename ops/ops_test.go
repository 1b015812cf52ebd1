package ops

import "testing"

func TestIsVersionCall(t *testing.T) {
	cases := []struct {
		args []string
		want bool
	}{
		{[]string{"version"}, true},
		{[]string{"--dev", "version"}, true},
		{[]string{"serve"}, false},
		{[]string{"serve", "version"}, false}, // a domain named "version" is serve's argument
		{[]string{"--version"}, false},        // cobra's flag: PocketBase skips its bootstrap itself
		{nil, false},
	}
	for _, c := range cases {
		if got := isVersionCall(c.args); got != c.want {
			t.Errorf("isVersionCall(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}
