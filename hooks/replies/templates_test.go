package replies

import "testing"

func TestGreetingName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ display, handle, want string }{
		{"Claire Martin", "@claire@m.example", "Claire"},
		{"Jean-Luc Picard", "jl", "Jean-Luc"},
		{"Hélène", "helene@example.org", "Hélène"},
		{"lyonnais_du_69", "@lyonnais_du_69", ""},
		{"", "@lyonnais_du_69@piaille.fr", ""},
		{"zoe42", "@zoe42@m.example", ""},
		{"🥐 Fan de viennoiseries", "@fan", "🥐 Fan de viennoiseries"},
		{"anne@example.org", "anne@example.org", ""},
	} {
		if got := greetingName(c.display, c.handle); got != c.want {
			t.Errorf("greetingName(%q, %q) = %q, want %q", c.display, c.handle, got, c.want)
		}
	}
}

func TestFillTemplateWithoutAName(t *testing.T) {
	t.Parallel()
	vals := map[string]string{"first_name": "", "business": "Café Lune"}
	for body, want := range map[string]string{
		"Bonjour {{first_name}}, merci !":         "Bonjour, merci !",
		"Hi {{ first_name }}! {{business}} here.": "Hi! Café Lune here.",
		"Bonjour {{prenom}}, {{business}} ici.":   "Bonjour {{prenom}}, Café Lune ici.",
		"{{business}}\n{{first_name}} merci":      "Café Lune\n merci",
	} {
		if got := FillTemplate(body, vals); got != want {
			t.Errorf("FillTemplate(%q) = %q, want %q", body, got, want)
		}
	}
}
