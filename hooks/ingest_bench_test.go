package hooks

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Synthetic but realistic mentions for the crash test and the polling and
// ingest benchmarks: French and English posts naming the brand in its
// usual spellings, complaints, questions, praise, noise that names us and
// posts about something else, from a pool of people who sometimes write
// twice in a day. Deterministic for a seed, so runs compare.

var (
	genBrands = []string{"Café Lune", "Cafe Lune", "café lune", "CAFÉ LUNE", "Café Lune"}
	genFirst  = []string{"anne", "bruno", "carla", "dan", "emma", "farid", "gilles", "hana", "ines", "jack",
		"karim", "lea", "marc", "nina", "oscar", "paula", "quentin", "rose", "sam", "tess",
		"uma", "victor", "wendy", "xavier", "yasmine", "zoe", "albert", "beatrice", "cyril", "dora"}
	genFR = map[string][]string{
		"complaint": {
			"Ma commande n°%[1]d chez %[2]s n'est jamais arrivée, j'attends toujours !",
			"%[2]s m'a servi un %[3]s froid et le serveur était désagréable. Très déçu.",
			"Toujours aucune réponse de %[2]s pour mon remboursement (commande %[1]d), c'est scandaleux.",
			"Le %[3]s de %[2]s était rassis ce matin, vraiment nul.",
			"%[2]s a annulé ma réservation de %[1]d h sans prévenir, inadmissible.",
			"Trois quarts d'heure d'attente chez %[2]s pour un %[3]s, plus jamais.",
		},
		"question": {
			"Est-ce que %[2]s est ouvert le dimanche vers %[1]d h ?",
			"%[2]s fait-il des %[3]s sans gluten ?",
			"Peut-on réserver une table pour %[1]d chez %[2]s samedi ?",
			"Comment commander un %[3]s chez %[2]s pour %[1]d personnes ?",
			"%[2]s livre jusqu'à quelle heure ? On est %[1]d au bureau.",
		},
		"praise": {
			"Le %[3]s de %[2]s est délicieux, merci !",
			"Super accueil chez %[2]s, l'équipe est adorable. %[1]d/10",
			"Merci %[2]s pour ce %[3]s parfait, on reviendra !",
			"Meilleur %[3]s du quartier chez %[2]s, bravo à toute l'équipe.",
		},
		"noise": {
			"Je passe devant %[2]s tous les matins à %[1]d h.",
			"Rendez-vous devant %[2]s à %[1]d h.",
			"%[2]s a changé sa vitrine, il y a des %[3]s dessus.",
			"Photo de la rue avec %[2]s au fond, prise à %[1]d h.",
		},
		"other": {
			"La lune est magnifique ce soir, %[1]d degrés dehors.",
			"Mon %[3]s préféré ferme ses portes, triste nouvelle.",
			"Je cherche un bon %[3]s à Lyon, des idées ? (%[1]d)",
			"Lune de miel à Venise, %[1]d jours magnifiques.",
		},
	}
	genEN = map[string][]string{
		"complaint": {
			"Still waiting for my refund from %[2]s, order %[1]d, nobody answers my emails.",
			"%[2]s charged me twice for the same %[3]s. Terrible service.",
			"My %[2]s order never arrived and support ignored me. Worst experience. #%[1]d",
			"%[2]s delivery was %[1]d minutes late and the %[3]s was crushed. Awful.",
			"Waited %[1]d minutes at %[2]s for a cold %[3]s. Never again.",
		},
		"question": {
			"Does %[2]s have a vegan %[3]s?",
			"What time does %[2]s open on Sundays? Around %[1]d?",
			"Can I order a %[3]s from %[2]s online for %[1]d people?",
			"Is there parking near %[2]s? Coming with %[1]d friends.",
		},
		"praise": {
			"Best %[3]s in town at %[2]s, love it!",
			"%[2]s made our %[3]s and it was perfect. Highly recommend! %[1]d stars",
			"Thank you %[2]s for the lovely %[3]s this morning!",
			"The team at %[2]s is wonderful, %[1]d visits and never disappointed.",
		},
		"noise": {
			"Walked past %[2]s today on my way to work at %[1]d.",
			"Meeting Paul at %[2]s tomorrow at %[1]d.",
			"%[2]s is on the corner of Rue des Martyrs, number %[1]d.",
		},
		"other": {
			"Full moon tonight, what a view. %[1]d photos taken.",
			"Best %[3]s shops in Paris, a list of %[1]d.",
			"Looking for a %[3]s recipe for %[1]d people.",
		},
	}
	genProductsFR = []string{"croissant", "flat white", "pain au chocolat", "brunch", "gâteau", "cappuccino", "cookie", "thé glacé", "pain de mie", "éclair"}
	genProductsEN = []string{"croissant", "flat white", "sourdough", "brunch", "birthday cake", "cappuccino", "cookie", "iced tea", "bagel", "muffin"}
	// Weights of complaint, question, praise, noise, other (out of 100).
	genMix   = []string{"complaint", "question", "praise", "noise", "other"}
	genShare = []int{15, 20, 25, 20, 20}
)

// genItems returns n feed items published over the span before now, newest
// last, with GUIDs prefix-0, prefix-1... and authors drawn from a pool of
// n/5 people (at least 30), so some write again within a day.
func genItems(n int, prefix string, seed uint64, span time.Duration) []feedItem {
	r := rand.New(rand.NewPCG(seed, 0x6d656e74))
	people := max(n/5, 30)
	items := make([]feedItem, n)
	for i := range items {
		cat := genMix[len(genMix)-1]
		for p, k := r.IntN(100), 0; k < len(genShare); k++ {
			if p < genShare[k] {
				cat = genMix[k]
				break
			}
			p -= genShare[k]
		}
		tpl, products := genFR[cat], genProductsFR
		if r.IntN(100) < 45 {
			tpl, products = genEN[cat], genProductsEN
		}
		text := fmt.Sprintf(tpl[r.IntN(len(tpl))], 2+r.IntN(9000), genBrands[r.IntN(len(genBrands))], products[r.IntN(len(products))])
		// Some people tag the business or add a detail: fewer identical texts.
		switch r.IntN(6) {
		case 0:
			text += " @cafelune"
		case 1:
			text = strings.TrimSuffix(text, ".") + fmt.Sprintf(" (%s)", genFirst[r.IntN(len(genFirst))])
		}
		person := r.IntN(people)
		items[i] = feedItem{
			guid:   fmt.Sprintf("%s-%d", prefix, i),
			author: fmt.Sprintf("%s%d", genFirst[person%len(genFirst)], person),
			text:   text,
			// Evenly spread, oldest first, as a poll would bring them in.
			ago:  span - time.Duration(i)*span/time.Duration(n),
			want: cat,
		}
	}
	return items
}
