"""Errors declared by code: an English message for the command line, and the site's wording
of every code in English and French, from one table each."""

from __future__ import annotations

import pickle
import re

import pytest

from archive.errors import MESSAGES, InvalidArticle, QueryError, message, params_of
from archive.web import i18n
from archive.web.errortexts import ERROR_TEXTS, error_text

CATALOGS = i18n.load_translations()
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def sample(code: str) -> dict[str, object]:
    """A value for each of the code's params (a number: it fits `{n}` and `{n:,}` alike)."""
    return {name: 1234 for name in params_of(code)}


def test_every_code_has_an_english_message_and_a_wording_on_the_site():
    assert set(MESSAGES) == set(ERROR_TEXTS)
    assert all(re.fullmatch(r"[a-z]+(?:_[a-z]+)*", code) for code in MESSAGES)


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_reads_in_english_and_in_french_with_its_values(code: str):
    error = QueryError(code, **sample(code))
    assert error.message == message(code, **sample(code))
    assert error.message and not re.search(r"[{}]", error.message)
    # the site's wording uses only values the error carries, in both languages
    msgid = ERROR_TEXTS[code]
    french = CATALOGS["fr"].gettext(msgid)
    assert set(_PLACEHOLDER.findall(msgid)) <= params_of(code)
    assert set(_PLACEHOLDER.findall(french)) == set(_PLACEHOLDER.findall(msgid))
    english_text = error_text(i18n.Translator("en", CATALOGS), error)
    french_text = error_text(i18n.Translator("fr", CATALOGS), error)
    assert french_text != english_text
    assert "%(" not in english_text and "%(" not in french_text
    if _PLACEHOLDER.search(msgid):  # numbers as each language writes them
        assert "1\u202f234" in french_text and "1,234" in english_text


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_french_wording_keeps_french_typography(code: str):
    french = CATALOGS["fr"].gettext(ERROR_TEXTS[code])
    # query syntax, addresses and times are written as typed
    prose = re.sub(r"https?://|\d:\d|année:|%\(\w+\)s", "", french)
    assert not re.search(r"\S[:;?!»]|«\S", prose), french
    assert "'" not in french and '"' not in french  # typographic apostrophe and guillemets


def test_an_error_takes_exactly_the_values_its_code_declares():
    with pytest.raises(TypeError, match="page_over_limit takes"):
        QueryError("page_over_limit", page=3)
    with pytest.raises(KeyError):
        QueryError("no_such_code")
    # the site's wording of a leading wildcard needs the minimum prefix, which the CLI omits
    assert params_of("wildcard_start") == {"word", "n"}


def test_an_invalid_article_names_where_it_is_and_survives_a_process_boundary():
    error = InvalidArticle("id_taken", location="2020/b.md", id="a", other="2020/a.md")
    assert error.message == "2020/b.md: id 'a' is already used by 2020/a.md"
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.code, copy.params, copy.location, copy.message, str(copy)) == (
        InvalidArticle, "id_taken", error.params, "2020/b.md", error.message, error.message)
