"""The help page's examples of the query language, one list for the page and for its test.

Each example is a query people can type as shown (its French form, and the English form that
English pages show), what it does (an English message id; French in the catalogue), and the
query-language prefix it needs when a facet brings it (`journal:` comes with the newspaper
facet). A test runs every example against a tiny real index, so none can go stale.

The page shows each example in the words of the archive it documents: the first of its forms
that finds articles there (`"grève des enseignants"`, else `"gilets jaunes"`…), and for a
field, the facet's most frequent value (`auteur:Koné` on the demo, `auteur:"Géry De Maet"`
elsewhere). On the shared corpus, six of the demo's fifteen examples found nothing: a link that
runs an example should show what it does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .i18n import N_


@dataclass(frozen=True)
class Example:
    """One documented query: as typed in French and in English, and what it finds."""

    french: str
    english: str
    meaning: str  # English message id
    needs_prefix: str | None = None  # a facet's query prefix, shown only where it exists
    # Other forms showing the same thing, tried in turn where the archive holds nothing of
    # the first: ((french, english), ...); `{value}` is the most frequent value of `facet`,
    # `{year}` the archive's latest year, `{earlier}` two years before it.
    instead: tuple[tuple[str, str], ...] = ()
    facet: str | None = None


@dataclass(frozen=True)
class Topic:
    """A group of examples under one heading."""

    title: str  # English message id
    examples: tuple[Example, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(N_("Words and phrases"), (
        Example("grève enseignants", "grève enseignants",
                N_("Articles holding every word (accents, plurals and l’ are understood)."),
                instead=(("gouvernement sécurité",) * 2, ("élection présidentielle",) * 2)),
        Example("\"grève des enseignants\"", "\"grève des enseignants\"",
                N_("The words in this order: a phrase, between straight or French quotes."),
                instead=(("\"gilets jaunes\"",) * 2, ("\"coup d'État\"",) * 2,
                         ("\"président de la République\"",) * 2)),
    )),
    Topic(N_("Combining words"), (
        Example("grève OU école", "grève OR école",
                N_("Either word: OU (or OR)."),
                instead=(("gouvernement OU président", "gouvernement OR président"),)),
        Example("grève ET Bamako", "grève AND Bamako",
                N_("Both words: ET (or AND); words side by side are combined this way too."),
                instead=(("grève ET Paris", "grève AND Paris"),
                         ("gouvernement ET Paris", "gouvernement AND Paris"))),
        Example("grève SAUF hôpitaux", "grève NOT hôpitaux",
                N_("The first word without the second: SAUF (or NOT), or a minus sign: "
                   "grève -hôpitaux."),
                instead=(("gouvernement SAUF Paris", "gouvernement NOT Paris"),)),
        Example("(grève OU école) année:2019", "(grève OR école) year:2019",
                N_("Parentheses group what goes together."),
                instead=(("(grève OU école) année:{year}", "(grève OR école) year:{year}"),
                         ("(gouvernement OU président) année:{year}",
                          "(gouvernement OR président) year:{year}"))),
    )),
    Topic(N_("Searching one field"), (
        Example("titre:grève", "title:grève", N_("The word in the title."),
                instead=(("titre:gouvernement", "title:gouvernement"),
                         ("titre:président", "title:président"))),
        Example("auteur:Koné", "author:Koné", N_("Articles by this author."),
                instead=(("auteur:{value}", "author:{value}"),), facet="author"),
        Example("org:UNTM", "org:UNTM",
                N_("Articles citing this organisation, by its acronym, its name or an alias "
                   "(organisation: in full)."),
                instead=(("org:{value}", "org:{value}"),), facet="organisation"),
        Example("rubrique:Société", "section:Société", N_("Articles of this section."),
                instead=(("rubrique:{value}", "section:{value}"),), facet="section"),
        Example("journal:Quotidien", "publisher:Quotidien",
                N_("Articles of this newspaper (journal: or publisher:)."),
                needs_prefix="journal",
                instead=(("journal:{value}", "publisher:{value}"),), facet="publisher"),
        Example("année:2019", "year:2019", N_("Articles published that year."),
                instead=(("année:{year}", "year:{year}"),)),
        Example("année:2019-2021", "year:2019-2021", N_("Articles published in those years."),
                instead=(("année:{earlier}-{year}", "year:{earlier}-{year}"),)),
    )),
    Topic(N_("Word endings and spellings"), (
        Example("enseign*", "enseign*",
                N_("Every word starting so (at least 3 letters before the *): enseignant, "
                   "enseignement…"),
                instead=(("gouvern*",) * 2,)),
        Example("enseignnants~", "enseignnants~",
                N_("Close spellings too: a word typed with a slip still finds its articles."),
                instead=(("gouvernment~",) * 2,)),
    )),
)


def shown(example: Example, found: Callable[[str], int], values: Mapping[str, str]) -> Example:
    """The example in the archive's words: its first form that `found` (a count of the
    articles a query finds) says finds some, `values` filling the placeholders (facet names
    to the query form of their most frequent value, and `year`/`earlier`); as written when
    none does."""
    fill = {"value": values.get(example.facet or "", ""), "year": values.get("year", ""),
            "earlier": values.get("earlier", "")}
    for french, english in ((example.french, example.english), *example.instead):
        if any("{" + name + "}" in french and not fill[name] for name in fill):
            continue
        french, english = french.format(**fill), english.format(**fill)
        if found(french):
            return Example(french, english, example.meaning, example.needs_prefix)
    return example
