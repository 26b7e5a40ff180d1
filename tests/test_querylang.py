"""The French query language: what people type, the tree it becomes, and what is refused."""

from __future__ import annotations

import time

import pytest

from archive.config import Limits
from archive.errors import QueryError
from archive.search.querylang import (
    AllOf,
    AnyOf,
    Not,
    Phrase,
    Word,
    Years,
    parse_query,
    positive_words,
)

LIMITS = Limits()


def parse(text: str, limits: Limits = LIMITS):
    return parse_query(text, limits)


def test_words_are_anded():
    assert parse("grève enseignants") == AllOf((Word("grève"), Word("enseignants")))


def test_empty_query_means_browse():
    assert parse("") is None
    assert parse("   ") is None


def test_french_and_english_operators():
    assert parse("coton OU karité") == AnyOf((Word("coton"), Word("karité")))
    assert parse("coton OR karité") == parse("coton OU karité")
    assert parse("coton ET karité") == AllOf((Word("coton"), Word("karité")))
    assert parse("coton SAUF karité") == AllOf((Word("coton"), Not(Word("karité"))))
    assert parse("coton NOT karité") == parse("coton -karité") == parse("coton SAUF karité")


def test_lowercase_operators_are_plain_words():
    assert parse("coton ou karité") == AllOf((Word("coton"), Word("ou"), Word("karité")))


def test_or_binds_looser_than_and():
    assert parse("a b OU c") == AnyOf((AllOf((Word("a"), Word("b"))), Word("c")))
    assert parse("a (b OU c)") == AllOf((Word("a"), AnyOf((Word("b"), Word("c")))))


def test_phrases_with_straight_curly_and_french_quotes():
    expected = Phrase("union européenne")
    assert parse('"union européenne"') == expected
    assert parse("“union européenne”") == expected
    assert parse("« union européenne »") == expected


@pytest.mark.parametrize("text", ["gilets jaunes »", "gilets jaunes»", "« gilets » jaunes »",
                                  "» gilets jaunes", "gilets » » jaunes"])
def test_a_closing_guillemet_with_no_opening_one_is_left_out(text):
    """A pasted end of a title (226 of the shared corpus's titles hold »): it counted as a word
    over and over, refused as "more than 32 words"."""
    assert parse(text) in (AllOf((Word("gilets"), Word("jaunes"))),
                           AllOf((Phrase("gilets"), Word("jaunes"))))


@pytest.mark.parametrize("text, number", [
    ("10 000", "10 000"), ("1 000 000 francs", "1 000 000"), ("le 10\u202f000", "10 000"),
    ("89.000 policiers", "89.000"), ("1.000.000", "1.000.000"), ("un taux de 10,5", "10,5"),
    ("10 000, selon", "10 000"), ("soit 10.000.", "10.000"),
])
def test_a_number_in_groups_of_three_digits_is_one_phrase(text, number):
    assert Phrase(number) in (parse(text), *getattr(parse(text), "children", ()))


def test_hyphen_inside_a_word_is_not_a_negation():
    assert parse("CARES-Mali") == Word("CARES-Mali")
    assert parse("grève -CARES-Mali") == AllOf((Word("grève"), Not(Word("CARES-Mali"))))


@pytest.mark.parametrize("text, field", [
    ("titre:coton", "title"), ("title:coton", "title"), ("auteur:Doumbia", "author"),
    ("author:Doumbia", "author"), ("rubrique:Politique", "section"),
    ("section:Politique", "section"), ("organisation:UE", "organisation"),
    ("org:UE", "organisation"), ("TITRE:coton", "title"),
])
def test_field_prefixes_in_french_and_english(text, field):
    node = parse(text)
    assert isinstance(node, Word) and node.field == field


def test_field_prefix_applies_to_a_phrase_or_a_group():
    assert parse('auteur:"Y. Doumbia"') == Phrase("Y. Doumbia", "author")
    assert parse("titre:(coton OU karité)") == AnyOf(
        (Word("coton", "title"), Word("karité", "title")))


def test_year_prefix_and_ranges():
    assert parse("année:2019") == Years(2019, 2019)
    assert parse("annee:2015-2018") == parse("year:2015..2018") == Years(2015, 2018)
    with pytest.raises(QueryError, match="année"):
        parse("année:hier")
    with pytest.raises(QueryError, match="comes after the second; write année:2018-2019"):
        parse("année:2019-2018")


def test_unknown_prefix_is_text():
    assert parse("http://exemple.ml") == Word("http://exemple.ml")


def test_prefix_and_fuzzy_markers():
    assert parse("syndic*") == Word("syndic", prefix=True)
    assert parse("cotton~") == Word("cotton", fuzzy=True)


def test_positive_words_skip_negations():
    node = parse('grève "fonction publique" SAUF Kayes')
    assert positive_words(node) == [Word("grève"), Phrase("fonction publique")]


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "((((x", "AND", "OU", "x OU", "x AND", "(", ")", "x )", "()", "SAUF", "titre:",
])
def test_meaningless_queries_suggest_plain_words(text):
    with pytest.raises(QueryError, match="plain words"):
        parse(text)


@pytest.mark.parametrize("text, words", [
    ('"gilets jaunes', ["gilets", "jaunes"]),
    ('gilets jaunes"', ["gilets", "jaunes"]),
    # a corpus headline as a phone pastes it: opened with ", closed with ” (it was refused)
    ('Les profs mal armés : "Il suffit qu’un élève prononce mal un mot !”',
     ["Les", "profs", "mal", "armés", ":", "Il", "suffit", "qu’un", "élève", "prononce", "mal",
      "un", "mot", "!"]),
])
def test_a_quote_without_its_pair_leaves_plain_words(text, words):
    assert [w.text for w in positive_words(parse(text))] == words


def test_leading_and_inner_wildcards_are_refused():
    with pytest.raises(QueryError, match="cannot start with a wildcard"):
        parse("*tion")
    with pytest.raises(QueryError, match="trailing"):
        parse("s*ndicat")


def test_short_prefix_names_its_limit():
    with pytest.raises(QueryError, match="query_min_prefix"):
        parse("gr*")
    assert parse("gr*", Limits(query_min_prefix=2)) == Word("gr", prefix=True)


def test_length_depth_and_terms_limits_are_named():
    with pytest.raises(QueryError, match="query_max_length"):
        parse("x" * 501)
    with pytest.raises(QueryError, match="query_max_depth"):
        parse("(" * 6 + "x" + ")" * 6)
    assert parse("(" * 5 + "x" + ")" * 5) == Word("x")
    with pytest.raises(QueryError, match="query_max_terms"):
        parse(" ".join(["mot"] * 33))
    with pytest.raises(QueryError, match="query_max_terms"):
        parse('"' + " ".join(["mot"] * 40) + '"')


@pytest.mark.parametrize("joined", [".", "-", ",", "/", ";"])
def test_words_joined_by_punctuation_count_each(joined):
    # The analyzer makes 33 words of them, which matching and ranking read one by one.
    with pytest.raises(QueryError, match="query_max_terms"):
        parse(joined.join(["mot"] * 33))
    with pytest.raises(QueryError, match="query_max_terms"):
        parse('"' + joined.join(["mot"] * 33) + '"')
    assert parse(joined.join(["mot"] * 32)) == Word(joined.join(["mot"] * 32))


def test_minus_signs_count_as_operators_and_two_cancel_out():
    # 495 signs before a word were 495 NOTs, each a pass over the whole archive
    with pytest.raises(QueryError, match="query_max_terms"):
        parse("-" * 40 + "plus")
    assert parse("--plus") == Word("plus")
    assert parse("---plus") == Not(Word("plus"))
    assert parse("coton SAUF -grève") == AllOf((Word("coton"), Word("grève")))
    assert parse("coton " + "-" * 30 + "grève") == AllOf((Word("coton"), Word("grève")))


def test_an_elided_article_is_not_a_word_of_its_own():
    assert parse(" ".join(["l'État"] * 32)) == AllOf((Word("l'État"),) * 32)
    assert parse(" ".join(["aujourd'hui"] * 32)) == AllOf((Word("aujourd'hui"),) * 32)


def test_hostile_input_is_refused_quickly():
    started = time.perf_counter()
    for text in ["(" * 10_000, "a" * 100_000, "NOT " * 5000, '"' * 3000, "x OU " * 2000]:
        with pytest.raises(QueryError):
            parse(text)
    assert time.perf_counter() - started < 0.5
