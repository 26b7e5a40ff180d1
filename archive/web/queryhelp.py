"""The help page's examples of the query language, one list for the page and for its test.

Each example is a query people can type as shown (its French form, and the English form that
English pages show), what it does (an English message id; French in the catalogue), and the
query-language prefix it needs when a facet brings it (`journal:` comes with the newspaper
facet). A test runs every example against a tiny real index, so none can go stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import N_


@dataclass(frozen=True)
class Example:
    """One documented query: as typed in French and in English, and what it finds."""

    french: str
    english: str
    meaning: str  # English message id
    needs_prefix: str | None = None  # a facet's query prefix, shown only where it exists


@dataclass(frozen=True)
class Topic:
    """A group of examples under one heading."""

    title: str  # English message id
    examples: tuple[Example, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(N_("Words and phrases"), (
        Example("grève enseignants", "grève enseignants",
                N_("Articles holding every word (accents, plurals and l’ are understood).")),
        Example("\"grève des enseignants\"", "\"grève des enseignants\"",
                N_("The words in this order: a phrase, between straight or French quotes.")),
    )),
    Topic(N_("Combining words"), (
        Example("grève OU école", "grève OR école",
                N_("Either word: OU (or OR).")),
        Example("grève ET Bamako", "grève AND Bamako",
                N_("Both words: ET (or AND); words side by side are combined this way too.")),
        Example("grève SAUF hôpitaux", "grève NOT hôpitaux",
                N_("The first word without the second: SAUF (or NOT), or a minus sign: "
                   "grève -hôpitaux.")),
        Example("(grève OU école) année:2019", "(grève OR école) year:2019",
                N_("Parentheses group what goes together.")),
    )),
    Topic(N_("Searching one field"), (
        Example("titre:grève", "title:grève", N_("The word in the title.")),
        Example("auteur:Koné", "author:Koné", N_("Articles by this author.")),
        Example("org:UNTM", "org:UNTM",
                N_("Articles citing this organisation, by its acronym, its name or an alias "
                   "(organisation: in full).")),
        Example("rubrique:Société", "section:Société", N_("Articles of this section.")),
        Example("journal:Quotidien", "publisher:Quotidien",
                N_("Articles of this newspaper (journal: or publisher:)."),
                needs_prefix="journal"),
        Example("année:2019", "year:2019", N_("Articles published that year.")),
        Example("année:2019-2021", "year:2019-2021", N_("Articles published in those years.")),
    )),
    Topic(N_("Word endings and spellings"), (
        Example("enseign*", "enseign*",
                N_("Every word starting so (at least 3 letters before the *): enseignant, "
                   "enseignement…")),
        Example("enseignnants~", "enseignnants~",
                N_("Close spellings too: a word typed with a slip still finds its articles.")),
    )),
)
