"""A deterministic synthetic archive: French-like articles with Zipf-distributed words.

`python bench/synthetic.py OUT_DATA_DIR --n 10000` writes OUT_DATA_DIR/articles/<year>/<id>.md.
The same seed and n always give the same files, so benchmarks compare like with like.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import articlefile  # noqa: E402
from archive.indexing.analysis import analyze  # noqa: E402
from archive.models import Article  # noqa: E402

STEMS = (
    "gouvern", "ministr", "sécur", "élect", "économ", "financ", "santé", "éduc", "agricult",
    "coton", "sahel", "région", "paix", "accord", "armé", "forc", "populat", "développ",
    "projet", "budget", "march", "commerc", "transport", "énerg", "électric", "eau", "école",
    "universit", "étudiant", "syndicat", "grève", "salair", "travaill", "jeunes", "femm",
    "enfant", "hôpital", "médecin", "vaccin", "pluie", "récolt", "céréal", "prix", "banqu",
    "crédit", "investiss", "partenair", "coopér", "frontièr", "réfugi", "humanitair", "aide",
    "justic", "tribunal", "juge", "loi", "constitut", "assemblé", "député", "parti", "opposit",
    "majorit", "président", "premier", "conseil", "commun", "mair", "villag", "cercl", "préfet",
    "gouverneur", "minièr", "or", "mine", "sociét", "entrepris", "emploi", "chômag", "format",
    "cultur", "musiqu", "festival", "sport", "football", "équip", "match", "champion", "radio",
)
ENDINGS = ("", "e", "es", "s", "ion", "ions", "ité", "ement", "eur", "eurs", "ique", "iques",
           "ant", "ante", "é", "ée", "és", "er", "ait", "aient", "ent", "al", "aux", "elle")
SMALL = ("le", "la", "les", "de", "des", "du", "un", "une", "et", "à", "en", "pour", "dans",
         "sur", "par", "avec", "au", "aux", "qui", "que", "est", "a", "ont", "sont", "ce", "il",
         "elle", "ils", "plus", "pas", "ne", "se", "son", "sa", "ses", "leur", "l’", "d’", "qu’")
PLACES = ("Bamako", "Kayes", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal",
          "Koulikoro", "Ménaka", "Taoudéni", "Kita", "Nioro", "San", "Bougouni", "Koutiala")
SECTIONS = tuple(f"{name}" for name in (
    "Politique", "Économie", "Société", "Culture", "Sport", "International", "Santé",
    "Éducation", "Sécurité", "Justice", "Agriculture", "Environnement", "Religion", "Médias",
    "Régions", "Afrique", "Tribune", "Opinion", "Entretien", "Reportage", "Faits divers",
    "Technologie", "Mines", "Énergie", "Transport", "Jeunesse", "Femmes", "Diaspora",
    "Annonces", "Nécrologie"))
FIRST = ("Amadou", "Moussa", "Fatoumata", "Aminata", "Ibrahim", "Oumar", "Mariam", "Seydou",
         "Awa", "Boubacar", "Kadiatou", "Mamadou", "Salif", "Hawa", "Adama", "Djénéba",
         "Yacouba", "Rokia", "Souleymane", "Assétou")
LAST = ("Traoré", "Coulibaly", "Diarra", "Keïta", "Touré", "Sidibé", "Cissé", "Konaté",
        "Doumbia", "Sangaré", "Diallo", "Maïga", "Dembélé", "Camara", "Sissoko", "Kanté",
        "Ballo", "Tounkara", "Samaké", "Bagayoko", "Koné", "Dicko", "Guindo", "Togola",
        "Fofana", "Haïdara", "Sow", "Ba", "Niang", "Berthé")
ORG_KINDS = ("Association", "Syndicat", "Union", "Coopérative", "Fédération", "Collectif",
             "Conseil", "Réseau", "Agence", "Office")
ORG_TOPICS = ("des producteurs", "des jeunes", "des femmes", "des enseignants", "de la santé",
              "des transporteurs", "des commerçants", "pour la paix", "du coton", "des mines")


def vocabulary(size: int = 6000) -> list[str]:
    """A deterministic French-looking vocabulary, most frequent words first."""
    words = list(SMALL)
    for stem, ending in itertools.product(STEMS, ENDINGS):
        words.append(stem + ending)
    rng = random.Random(7)
    syll = ("ba", "ko", "ma", "di", "sé", "ra", "lu", "to", "né", "fa", "ké", "ou", "an", "ié")
    while len(words) < size:
        words.append("".join(rng.choice(syll) for _ in range(rng.randint(2, 4))))
    return list(dict.fromkeys(words))[:size]


class Generator:
    """Makes articles from a seed; article i is always the same for a given seed."""

    def __init__(self, seed: int = 42) -> None:
        self.seed = seed
        self.words = vocabulary()
        weights = [1 / (rank + 1) ** 1.07 for rank in range(len(self.words))]
        total = sum(weights)
        self.cumulative = list(itertools.accumulate(w / total for w in weights))
        rng = random.Random(seed)
        self.authors = sorted({f"{rng.choice(FIRST)[0]}. {rng.choice(LAST)}" for _ in range(400)}
                              | {f"{f} {la} {i}" for i, (f, la) in enumerate(
                                  (rng.choice(FIRST), rng.choice(LAST)) for _ in range(1700))})
        self.authors = self.authors[:2000]
        self.orgs = [f"{rng.choice(ORG_KINDS)} {rng.choice(ORG_TOPICS)} de {place} {i}"
                     for i, place in enumerate(rng.choice(PLACES) for _ in range(300))]

    def _word(self, rng: random.Random) -> str:
        return self.words[bisect.bisect_left(self.cumulative, rng.random())]

    def _sentence(self, rng: random.Random, n: int) -> str:
        parts = [self._word(rng) for _ in range(n)]
        if rng.random() < 0.3:
            parts.insert(rng.randrange(len(parts)), rng.choice(PLACES))
        text = " ".join(parts).replace("’ ", "’")
        return text[:1].upper() + text[1:] + "."

    def article(self, i: int, revision: int = 0) -> Article:
        """Article number i (revision > 0 gives an edited version of it)."""
        rng = random.Random(self.seed * 1_000_003 + i * 7)
        title = self._sentence(rng, rng.randint(5, 10)).rstrip(".")
        body = self._body(rng)
        year = rng.randint(1995, 2026)
        precision = rng.random()
        date = (f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if precision < 0.9
                else f"{year}-{rng.randint(1, 12):02d}" if precision < 0.97 else str(year))
        orgs = tuple(rng.sample(self.orgs, rng.randint(0, 6)))
        authors = tuple(rng.sample(self.authors, rng.choice((0, 1, 1, 1, 1, 2))))
        article = Article(
            id=articlefile.make_id(title, f"synthetic-{self.seed}-{i}"),
            title=title, body=body, section=rng.choice(SECTIONS),
            author=authors, date=date, date_source="page", organisations=orgs,
            url=f"https://example.ml/articles/{i}", publisher="Synthétique",
        )
        if revision:  # an edit of the body only: same id, same date, same file
            article = article.replace(body=self._body(random.Random(f"{self.seed}-{i}-{revision}")))
        return article

    def _body(self, rng: random.Random) -> str:
        paragraphs, count = [], 0
        target = rng.randint(300, 500)
        while count < target:
            sentences = [self._sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(2, 5))]
            paragraphs.append(" ".join(sentences))
            count += sum(len(s.split()) for s in sentences)
        return "\n\n".join(paragraphs)


def pick_words(count: int = 24) -> list[str]:
    """Content words at log-spaced Zipf ranks (frequent to rare), one per stem: query words
    for the benchmarks, from very common to rare."""
    words = vocabulary()
    picked, stems = [], set()
    for k in range(count):
        rank = int(60 * (5000 / 60) ** (k / (count - 1)))
        while rank < len(words) - 1:
            stem = analyze(words[rank], mode="query")
            if len(words[rank]) > 3 and stem and stem[0] not in stems:
                stems.add(stem[0])
                picked.append(words[rank])
                break
            rank += 1
    return picked


def write_archive(data_dir: Path, n: int, seed: int = 42) -> list[Path]:
    """Write n synthetic article files below data_dir/articles; return their paths."""
    gen = Generator(seed)
    articles_dir = Path(data_dir) / "articles"
    return [articlefile.write(articles_dir, gen.article(i)) for i in range(n)]


def main() -> None:
    """Command line: write a synthetic archive."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    paths = write_archive(args.data_dir, args.n, args.seed)
    print(f"wrote {len(paths)} articles below {args.data_dir / 'articles'}")


if __name__ == "__main__":
    main()
