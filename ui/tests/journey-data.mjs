// What the customers of the Brûlerie Saint-Roch write during the journey,
// in each language the app speaks. Every post is distinct (the same text
// from two people is a copy the pipeline treats on purpose) and names the
// business unless it is the post that must be dropped.
export const BUSINESS = 'Brûlerie Saint-Roch'

const FIRST = ['Camille', 'Louis', 'Inès', 'Hugo', 'Chloé', 'Nathan', 'Léa', 'Gabriel', 'Manon', 'Arthur', 'Sarah', 'Jules', 'Zoé', 'Adam', 'Jade', 'Raphaël', 'Lina', 'Tom', 'Alice', 'Noah', 'Eva', 'Paul', 'Rose', 'Ethan', 'Anna', 'Théo', 'Lou', 'Sacha', 'Nina', 'Victor', 'Emma', 'Lucas', 'Mila', 'Maël', 'Iris', 'Axel', 'Clara', 'Robin', 'Agathe', 'Simon', 'Juliette', 'Oscar', 'Margot', 'Martin', 'Romane', 'Basile', 'Elsa', 'Yanis', 'Capucine', 'Félix']
const LAST = ['Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefebvre', 'Michel', 'Garcia', 'David', 'Bertrand', 'Roux', 'Vincent', 'Fournier', 'Morel', 'Girard', 'André', 'Mercier', 'Dupont', 'Lambert', 'Bonnet', 'François', 'Martinez', 'Legrand', 'Garnier', 'Faure', 'Rousseau', 'Blanc', 'Guerin', 'Muller', 'Henry', 'Roussel', 'Nicolas', 'Perrin', 'Morin', 'Mathieu', 'Clement', 'Gauthier', 'Dumont', 'Lopez', 'Fontaine', 'Chevalier', 'Robin', 'Masson', 'Sanchez']
const COFFEES = { fr: ['éthiopien', 'colombien', 'brésilien', 'kényan', 'guatémaltèque', 'décaféiné', 'péruvien', 'hondurien', 'rwandais', 'indonésien'], en: ['Ethiopian', 'Colombian', 'Brazilian', 'Kenyan', 'Guatemalan', 'decaf', 'Peruvian', 'Honduran', 'Rwandan', 'Indonesian'] }

const ascii = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()

/** The 50 people of the burst: distinct names, handles and questions. */
export function burstAuthor(i, lang) {
  const first = FIRST[i % FIRST.length]
  const last = LAST[(i * 7) % LAST.length]
  const coffee = COFFEES[lang][i % 10]
  const text = lang === 'fr'
    ? `Bonjour ${BUSINESS}, est-ce qu’il vous reste du café ${coffee} en grains pour samedi ? J’en voudrais ${i + 2} paquets.`
    : `Hello ${BUSINESS}, do you still have ${coffee} coffee beans for Saturday? I would need ${i + 2} bags.`
  return { name: `${first} ${last}`, username: `${ascii(first)}_${ascii(last)}${i}`, email: `${ascii(first)}.${ascii(last)}@example.org`, text }
}

export const TEXT = {
  fr: {
    feedName: 'Fil du quartier',
    mastodonName: 'Piaille — mentions',
    webhookName: 'Avis Google (Zapier)',
    complaint: { guid: 'quartier-1', title: 'Café froid, service absent', name: 'Julien Morel', email: 'julien.morel@example.org', description: `Deux fois cette semaine mon café était froid à la ${BUSINESS} et personne n’a réagi quand je l’ai signalé. Très déçu, c’est inadmissible.` },
    praise: { guid: 'quartier-2', title: 'Le meilleur espresso du quartier', name: 'Sophie Carré', email: 'sophie.carre@example.org', description: `Bravo à la ${BUSINESS} : le meilleur espresso du quartier, un accueil adorable. Je recommande vivement !` },
    unrelated: { guid: 'quartier-3', title: 'La boulangerie a refait sa vitrine', name: 'Marc Aubert', email: 'marc.aubert@example.org', description: 'La boulangerie de la rue Oberkampf a refait sa vitrine pour les fêtes, elle est superbe.' },
    firstMention: { username: 'margaux', display_name: 'Margaux Lefèvre', text: 'Bonjour ! Vous ouvrez à quelle heure le dimanche ? Je voudrais passer acheter du café en grains.' },
    liveFeed: { guid: 'quartier-4', title: 'Commande introuvable', name: 'Denis Caron', email: 'denis.caron@example.org', description: `J’ai commandé un paquet à la ${BUSINESS} il y a dix jours et toujours rien reçu. Quelqu’un a eu le même problème ?` },
    liveMention: { username: 'yasmine', remote: 'mamot.test', display_name: 'Yasmine Haddad', text: 'Est-ce que vous faites des ateliers de dégustation le mois prochain ? On serait quatre.' },
    alertMention: { username: 'elodie', display_name: 'Élodie Garnier', text: 'Est-ce que vous livrez le café en grains dans le 11e ? Merci d’avance !' },
    template: { name: 'Livraison', body: 'Bonjour {{first_name}}, oui ! {{business}} livre le café en grains dans tout le 11e, le mardi et le vendredi.' },
    edit: ' Commandez avant lundi midi pour une livraison mardi.',
  },
  en: {
    feedName: 'Neighbourhood feed',
    mastodonName: 'Piaille — mentions',
    webhookName: 'Google reviews (Zapier)',
    complaint: { guid: 'quartier-1', title: 'Cold coffee, nobody cared', name: 'Julian Moore', email: 'julian.moore@example.org', description: `Twice this week my latte at ${BUSINESS} was cold and nobody cared when I said so. Really disappointed, this is unacceptable.` },
    praise: { guid: 'quartier-2', title: 'Best espresso around', name: 'Sophie Carr', email: 'sophie.carr@example.org', description: `Well done ${BUSINESS}: the best espresso in the neighbourhood and lovely staff. Highly recommend!` },
    unrelated: { guid: 'quartier-3', title: 'The bakery has a new window', name: 'Mark Albert', email: 'mark.albert@example.org', description: 'The bakery on Oberkampf street redid its window for the holidays, it looks great.' },
    firstMention: { username: 'margaux', display_name: 'Margaux Lefèvre', text: 'Hi! What time do you open on Sundays? I would like to pick up some coffee beans.' },
    liveFeed: { guid: 'quartier-4', title: 'Order never arrived', name: 'Dennis Carter', email: 'dennis.carter@example.org', description: `I ordered a bag from ${BUSINESS} ten days ago and still nothing. Anyone else had the same problem?` },
    liveMention: { username: 'yasmine', remote: 'mamot.test', display_name: 'Yasmine Haddad', text: 'Do you run tasting workshops next month? There would be four of us.' },
    alertMention: { username: 'elodie', display_name: 'Élodie Garnier', text: 'Do you deliver coffee beans to the 11th arrondissement? Thanks in advance!' },
    template: { name: 'Delivery', body: 'Hi {{first_name}}, yes! {{business}} delivers coffee beans all over the 11th, on Tuesdays and Fridays.' },
    edit: ' Order before Monday noon for a Tuesday delivery.',
  },
}
