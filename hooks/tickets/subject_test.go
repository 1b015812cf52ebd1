package tickets

import "testing"

func TestFirstWords(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"Où est ma commande ?", 80, "Où est ma commande ?"},
		{"Ma commande Café Lune n'est jamais arrivée, j'attends toujours depuis dix jours", 40, "Ma commande Café Lune n'est jamais…"},
		{"  spaces\n\tand   lines  ", 80, "spaces and lines"},
		{"Supercalifragilisticexpialidocious", 10, "Supercali…"},
	}
	for _, c := range cases {
		if got := FirstWords(c.in, c.n); got != c.want {
			t.Errorf("FirstWords(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
