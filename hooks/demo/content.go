// Package demo holds the sample dataset `serve --demo` loads, and its
// loader: Café Lune, a café-bakery in Lyon, and Lune & Co, its small
// online shop of coffee beans and ceramics. Everything is invented; the
// texts are written the way customers really write (typos and all), in
// French and English.
//
// `serve --demo` fills an empty database with a month in the life of Café
// Lune and its shop Lune & Co, so a new user sees a working product at
// once. The mentions go through the real pipeline (matching, analysis,
// triage, threading); the agents' work is replayed through the same
// lifecycle hooks replies use, so every figure on the dashboard is one the
// product computed. The random source is seeded: the same day gives the
// same data.
package demo

// Post is a message a customer might write.
type Post struct {
	Lang, Intent, Text string
}

// Complaints, questions, praise and noise, in both languages. Brand names
// appear the many ways people type them.
var Posts = []Post{
	// Complaints, French.
	{"fr", "complaint", "Ma commande Lune & Co n'est jamais arrivée, j'attends toujours depuis 10 jours. Personne ne répond."},
	{"fr", "complaint", "Café Lune : 25 minutes d'attente pour un cappuccino tiède. Franchement déçu."},
	{"fr", "complaint", "J'ai été débité deux fois sur le site de Lune & Co, je veux un remboursement."},
	{"fr", "complaint", "Les croissants du Café Lune étaient rassis ce matin, vraiment nul pour le prix."},
	{"fr", "complaint", "Colis Lune & Co reçu cassé, la tasse est en morceaux. Aucune réponse au mail."},
	{"fr", "complaint", "Serveuse désagréable au Café Lune ce midi, pas terrible l'accueil."},
	{"fr", "complaint", "Toujours pas de nouvelles de mon remboursement Lune & Co, c'est scandaleux."},
	{"fr", "complaint", "Café Lune a annulé ma commande de gâteau la veille de l'anniversaire. Inadmissible."},
	{"fr", "complaint", "Le paquet de café Lune & Co est arrivé ouvert et éventé. Super lent la livraison en plus."},
	{"fr", "complaint", "Plus jamais de brunch au Café Lune, 1h d'attente et la moitié de la carte indisponible."},
	// Complaints, English.
	{"en", "complaint", "Ordered beans from Lune & Co two weeks ago and they never arrived. Still waiting, no answer."},
	{"en", "complaint", "Cafe Lune charged me twice for one flat white. Not happy."},
	{"en", "complaint", "My Lune & Co mug arrived smashed and support ignores my emails. Terrible."},
	{"en", "complaint", "Waited 40 minutes at Cafe Lune for a sandwich. Worst service in Lyon."},
	{"en", "complaint", "The sourdough from Cafe Lune was burnt and hard as a rock today. Disappointed."},
	{"en", "complaint", "Lune & Co website took my money and then cancelled the order. I want a refund."},
	{"en", "complaint", "Cafe Lune gave away my birthday cake to someone else. Awful experience."},
	{"en", "complaint", "Still no refund from Lune & Co after 3 weeks. This is ridiculous."},
	// Questions, French.
	{"fr", "question", "Est-ce que le Café Lune est ouvert le dimanche matin ?"},
	{"fr", "question", "Lune & Co livre en Belgique ?"},
	{"fr", "question", "Vous faites des gâteaux sans gluten au Café Lune ?"},
	{"fr", "question", "Comment suivre ma commande Lune & Co ? Je n'ai pas reçu de numéro de suivi."},
	{"fr", "question", "Peut-on réserver une table au Café Lune pour 8 personnes samedi ?"},
	{"fr", "question", "Café Lune accepte les tickets resto ?"},
	{"fr", "question", "Quels sont vos horaires pendant les fêtes, Café Lune ?"},
	{"fr", "question", "Est-ce que Lune & Co vend des cartes cadeaux ?"},
	{"fr", "question", "Le kouign-amann du Café Lune, il faut le commander à l'avance ?"},
	{"fr", "question", "Il y a une terrasse chauffée au Café Lune cet hiver ?"},
	// Questions, English.
	{"en", "question", "Does Cafe Lune have vegan pastries?"},
	{"en", "question", "Can Lune & Co ship to the UK? Checkout only shows France."},
	{"en", "question", "What time does Cafe Lune open on Sundays?"},
	{"en", "question", "Is there wifi at Cafe Lune? Need somewhere to work tomorrow."},
	{"en", "question", "How do I change the delivery address on my Lune & Co order?"},
	{"en", "question", "Can I order a custom cake from Cafe Lune for next Friday?"},
	{"en", "question", "Do you roast the Lune & Co beans yourselves? Which origin for espresso?"},
	{"en", "question", "Is Cafe Lune dog friendly?"},
	// Praise, French.
	{"fr", "praise", "Le meilleur kouign-amann de Lyon, c'est au Café Lune. Merci !"},
	{"fr", "praise", "Super accueil au Café Lune ce matin, l'équipe est adorable."},
	{"fr", "praise", "Reçu mes tasses Lune & Co, magnifiques et très bien emballées. Bravo !"},
	{"fr", "praise", "Brunch parfait au Café Lune, on reviendra avec plaisir."},
	{"fr", "praise", "Le café en grains Lune & Co est délicieux, mon expresso n'a jamais été aussi bon."},
	{"fr", "praise", "Pas mal du tout le nouveau sandwich du Café Lune !"},
	// Praise, English.
	{"en", "praise", "Best flat white in Lyon at Cafe Lune. Love this place!"},
	{"en", "praise", "My Lune & Co order arrived in two days, beautifully packed. Thank you!"},
	{"en", "praise", "Cafe Lune made our wedding cake and it was perfect. Highly recommend."},
	{"en", "praise", "Not bad at all, the new Cafe Lune seasonal latte. Really good actually."},
	{"en", "praise", "The staff at Cafe Lune are so kind, they remembered my order. Amazing."},
	// Noise: names us, wants nothing.
	{"fr", "other", "Rendez-vous devant le Café Lune à 14h pour la balade."},
	{"fr", "other", "Le Café Lune a changé sa vitrine pour Noël."},
	{"fr", "other", "Je passe devant le Café Lune tous les matins en allant au boulot."},
	{"fr", "other", "Article sur les cafés de la Croix-Rousse, dont le Café Lune."},
	{"en", "other", "Walked past Cafe Lune on the way to the station."},
	{"en", "other", "Meeting Paul at Cafe Lune at noon."},
	{"en", "other", "Lune & Co is on the list of small Lyon shops in this week's newsletter."},
	{"en", "other", "Cafe Lune is on the corner of Rue d'Austerlitz."},
}

// FollowUps are what an unanswered customer writes next.
var FollowUps = []Post{
	{"fr", "complaint", "Toujours aucune réponse de votre part… vous êtes là ?"},
	{"fr", "question", "Je relance : quelqu'un peut me répondre ?"},
	{"en", "complaint", "Still waiting for an answer. Anyone there?"},
	{"en", "question", "Any update on this?"},
}

// Thanks are what a customer writes once helped: win-backs.
var Thanks = []Post{
	{"fr", "praise", "Merci pour la réponse rapide, problème réglé !"},
	{"fr", "praise", "Remboursement reçu, merci beaucoup, super service."},
	{"en", "praise", "Thanks for sorting it out so quickly, much appreciated!"},
	{"en", "praise", "Refund received, thank you. Great service after all."},
}

// People, by channel: handles shaped as each platform shapes them.
var People = map[string][]Person{
	"mastodon": {
		{"@julie@piaille.fr", "Julie M."}, {"@marc@mastodon.social", "Marc"}, {"@lea_lyon@mamot.fr", "Léa"},
		{"@tom@toot.community", "Tom B."}, {"@sarah@mastodon.online", "Sarah"}, {"@karim@piaille.fr", "Karim"},
		{"@nora@framapiaf.org", "Nora"}, {"@ben@fosstodon.org", "Ben"},
	},
	"bluesky": {
		{"camille.bsky.social", "Camille R."}, {"alex-lyon.bsky.social", "Alex"}, {"mia.bsky.social", "Mia"},
		{"hugo.bsky.social", "Hugo D."}, {"emma-codes.bsky.social", "Emma"}, {"yanis.bsky.social", "Yanis"},
	},
	"feed": {
		{"Le Progrès", "Le Progrès"}, {"Lyon Capitale", "Lyon Capitale"}, {"Petit Paumé", "Le Petit Paumé"},
		{"Blog Miam Lyon", "Miam Lyon"},
	},
	"reddit": {
		{"u/lyonnais_du_69", "lyonnais_du_69"}, {"u/coffee_nerd_fr", "coffee_nerd_fr"}, {"u/expat_in_lyon", "expat_in_lyon"},
		{"u/croissant_hunter", "croissant_hunter"},
	},
	"hackernews": {
		{"pbrewer", "pbrewer"}, {"espresso_dev", "espresso_dev"}, {"lyon_founder", "lyon_founder"},
	},
	"email": {
		{"claire.dubois@example.fr", "Claire Dubois"}, {"j.smith@example.com", "John Smith"}, {"amelie.roux@example.fr", "Amélie Roux"},
		{"p.nguyen@example.com", "Paul Nguyen"}, {"sophie.martin@example.fr", "Sophie Martin"},
	},
	"webhook": {
		{"Google review: Anne M.", "Anne M."}, {"Google review: David K.", "David K."}, {"Google review: Inès", "Inès"},
	},
}

// Person is an author on a platform.
type Person struct{ Handle, Name string }

// Templates are the canned answers the owner starts from: short, with
// placeholders, meant to be personalised before sending.
var Templates = []struct{ Name, Lang, Body string }{
	{"Excuses livraison", "fr", "Bonjour {{first_name}}, désolés pour ce retard ! Je regarde votre commande tout de suite et je reviens vers vous aujourd'hui. {{agent}}, {{business}}"},
	{"Remboursement", "fr", "Bonjour {{first_name}}, c'est noté : le remboursement est lancé, vous le verrez sous 3 à 5 jours. Encore pardon. {{agent}}"},
	{"Horaires", "fr", "Bonjour {{first_name}} ! Nous sommes ouverts du mardi au dimanche, de 7h30 à 18h. À bientôt au {{business}} !"},
	{"Merci", "fr", "Merci {{first_name}}, ça nous fait très plaisir ! À très vite. {{agent}}"},
	{"Delivery apology", "en", "Hi {{first_name}}, sorry about the delay! I'm checking your order right now and will get back to you today. {{agent}} at {{business}}"},
	{"Refund", "en", "Hi {{first_name}}, your refund is on its way: 3 to 5 days. Sorry again for the trouble. {{agent}}"},
	{"Opening hours", "en", "Hi {{first_name}}! We're open Tuesday to Sunday, 7:30am to 6pm. See you soon at {{business}}!"},
	{"Thanks", "en", "Thank you {{first_name}}, that means a lot to the team! {{agent}}"},
}
