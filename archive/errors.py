"""One family of errors, each with a message meant for the person who caused it.

A `QueryError` or an `InvalidArticle` names its failure by a stable code (a short snake_case
word) and the values that describe it (`params`); its English message, which the command
line prints, comes from the code's entry in `MESSAGES`. The web shows the same failure in the
visitor's language from its own table, by code (`archive/web/errortexts.py`).
"""

from __future__ import annotations

import string
from functools import cache

# Exit codes of every `archive` command (the README lists them).
EXIT_FAILED = 1  # (0 is done) the command failed: the reason is on stderr, nothing was changed
EXIT_USAGE = 2  # a wrong option, or no usable configuration
EXIT_PARTIAL = 3  # done, but some files were rejected or kept at an earlier version
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C (SIGINT), as shells report it


class ArchiveError(Exception):
    """Base of every error the archive reports to a user.

    `message` is safe to show (no traceback, no internal path); `status` is the HTTP
    status the web edge answers with; `exit_code` is what the CLI exits with. `details`,
    when given, is more for the same person (several lines: what is there, how to recover);
    the CLI prints it on stdout before the message.
    """

    status: int = 500
    exit_code: int = EXIT_FAILED
    code: str = ""  # the failure's stable name, for errors declared in MESSAGES

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.params: dict[str, object] = {}


class _Coded(ArchiveError):
    """An error named by a code of MESSAGES, with the values its wording needs."""

    def __init__(self, code: str, /, **params: object) -> None:
        if set(params) != params_of(code):
            # a programming error: the web's wording of the code would miss a value
            raise TypeError(f"error {code} takes {sorted(params_of(code))}, not {sorted(params)}")
        super().__init__(message(code, **params))
        self.code = code
        self.params = params

    def __reduce__(self):
        # pickled by code and values (a worker process may hand one to its parent)
        return _rebuild, (type(self), self.code, self.params, self.__dict__)


def _rebuild(cls: type[_Coded], code: str, params: dict, state: dict) -> _Coded:
    error = cls.__new__(cls)
    _Coded.__init__(error, code, **params)
    error.__dict__.update(state)
    error.args = (error.message,)
    return error


class ConfigError(ArchiveError):
    """The configuration file is missing, unreadable or invalid."""

    exit_code = EXIT_USAGE


class UsageError(ArchiveError):
    """A command was given something it cannot mean (e.g. a malformed generation name)."""

    status = 400
    exit_code = EXIT_USAGE


class InvalidArticle(_Coded):
    """An article (file or imported record) breaks the archive's rules.

    `location` (a file, `file: line N`, an export line) starts the message: `where: reason`.
    """

    status = 422

    def __init__(self, code: str, /, *, location: str = "", **params: object) -> None:
        super().__init__(code, **params)
        self.location = location
        if location:
            self.message = f"{location}: {self.message}"
            self.args = (self.message,)


class UnreadableInput(ArchiveError):
    """An input file cannot be decoded or parsed at all."""

    status = 422


class NotFound(ArchiveError):
    """Something asked for does not exist."""

    status = 404


class QueryError(_Coded):
    """A search query or parameter the archive refuses, with a hint to fix it."""

    status = 400


class RequestTooLarge(QueryError):
    """A request body larger than any page takes: refused before it is read."""

    status = 413


class Refused(_Coded, UsageError):
    """A form value, a file name or an action the archive refuses, named by a code."""


class Missing(_Coded, NotFound):
    """Something a request names that does not exist (or no longer does), named by a code."""


class Conflicted(_Coded):
    """A change refused because what it changes changed meanwhile, named by a code."""

    status = 409


class IndexUnavailable(ArchiveError):
    """No usable index generation is serving."""

    status = 503


class JobLocked(ArchiveError):
    """Another job holds the archive's job lock."""

    status = 409


class RateLimited(ArchiveError):
    """Too many requests from one client."""

    status = 429


# --- codes ------------------------------------------------------------------------------------
# Each code's English message, as the command line prints it: `{name}` placeholders filled
# from the error's params. The web's wording of every code is in web/errortexts.py.

_PLAIN_WORDS = "try plain words, for example: grève enseignants Bamako"
_YEAR_RANGE = "a year or a range, e.g. année:2019 or année:2015-2018"

MESSAGES: dict[str, str] = {
    # QueryError: a search, its words and its parameters
    "query_not_understood": "the query could not be understood ({reason}); " + _PLAIN_WORDS,
    "query_too_long": "query length in characters ({count}) is over the limit "
                      "query_max_length = {limit}; shorten the query",
    "query_too_deep": "nesting of parentheses ({count}) is over the limit query_max_depth = "
                      "{limit}; shorten the query",
    "query_too_many_terms": "number of words and operators ({count}; words joined by dots, "
                            "commas, slashes or hyphens count one each) is over the limit "
                            "query_max_terms = {limit}; shorten the query",
    "request_too_long": "the request's parameters ({size} bytes) are over the {limit} allowed",
    "wildcard_start": "'{word}': a word cannot start with a wildcard; write the beginning of "
                      "the word followed by *, e.g. syndic*",
    "wildcard_inside": "'{word}': only a trailing * is allowed, e.g. syndic*",
    "prefix_too_short": "'{word}': a prefix needs at least {n} letters before * "
                        "(limit query_min_prefix)",
    "prefix_too_common": "'{word}' stands for more than {limit} different words "
                         "(limit query_max_expansions); type more letters",
    "year_needs_value": "année: takes " + _YEAR_RANGE,
    "year_not_a_year": "année:{value}: expects " + _YEAR_RANGE,
    "years_reversed": "année:{value}: the first year comes after the second; write "
                      "année:{ordered}",
    "only_common_words": "the query holds only very common words (le, la, de…) or "
                         "punctuation; " + _PLAIN_WORDS,
    "query_has_no_words": "the query holds no word, only signs or symbols; " + _PLAIN_WORDS,
    "too_many_expansions": "the prefix and fuzzy words of this search stand for more than "
                           "{limit} words together (limit query_max_expanded_words): use fewer "
                           "of them, or type more letters before the *",
    "expansions_too_common": "the prefix and fuzzy words of this search stand for words found "
                             "more than {limit:,} times in all (limit "
                             "query_max_expanded_postings = {per_article} per article): use "
                             "fewer words ending in ~, or type more letters before the *",
    "too_broad_in_time": "this search is too broad to answer in time (limit "
                         "search_time_limit): add a more specific word, or type more letters "
                         "before the *",
    "unknown_facet": "unknown facet '{facet}'; facets are {facets}",
    "facet_search_too_long": "the search within {facet} is over the limit query_max_length",
    "unknown_sort": "sort must be one of {sorts}",
    "page_not_whole": "page must be a whole number from 1",
    "page_over_limit": "page {page} is beyond the limit page_max = {limit}; narrow the search "
                       "with filters instead",
    "page_size_not_whole": "page size must be a whole number from 1",
    "page_size_over_limit": "page size {size} is over the limit page_size_max = {limit}",
    "facet_limit_not_whole": "facet limit must be a whole number (0 for every value)",
    "unknown_filter": "unknown filter '{facet}'; filters are {facets}",
    "together_one_value": "an article has one {facet}: its ticked values cannot all be "
                          "required, only one of them",
    "too_many_filter_values": "{count} values for filter {facet} are over the limit "
                              "filter_values_max = {limit}",
    "too_many_filter_values_total": "{count} filter values in one request are over the limit "
                                    "request_filter_values_max = {limit}",
    "request_body_too_large": "a request body of {size} bytes is over the limit "
                              "request_max_body_bytes = {limit}: no page takes one",
    "filter_value_length": "filter {facet} has an empty or overlong value",
    "filter_value_not_text": "filter {facet} has a value that is not text",
    "year_filter_not_year": "year filter '{value}' is not a year such as 2019",
    "date_not_understood": "date '{value}' is not understood; write 2019, 2019-03 or 2019-03-15",
    "dates_reversed": "the start date comes after the end date",
    # InvalidArticle: an article file's format (location: the file, and its line when known)
    "front_matter_missing": "no front matter (the file must start with a --- line)",
    "front_matter_unclosed": "front matter is not closed by a --- line",
    "front_matter_too_long": "front matter longer than {limit:,} characters",
    "front_matter_twice": "a second front matter (--- then fields) opens the body: the file "
                          "pasted twice? keep one",
    "merge_conflict": "an unresolved merge conflict (<<<<<<< ... >>>>>>>, left by git): keep "
                      "one side, delete the marker lines",
    "front_matter_too_deep": "front matter is nested too deeply",
    "front_matter_not_mapping": "front matter must be a mapping of fields (name: value lines)",
    "yaml_references": "YAML anchors, aliases and tags are not allowed",
    "yaml_invalid": "front matter is not valid YAML ({problem})",
    "field_name_not_word": "a field name must be a word such as title, not {kind}",
    "field_twice": "'{field}' is given twice (first on line {first}); keep one",
    "body_in_field": "the body goes after the closing --- line, not in a field",
    "unknown_fields": "unknown field(s) {fields}",
    "inline_comment": "' #' starts a YAML comment, which cuts {field} short: put the value in "
                      "quotes, or the comment on its own line",
    "field_not_text": "{field} must be text, not {kind}{hint}",
    "names_not_mapping": "{field} must be a name or a list of names, not a mapping",
    "name_not_text": "each {item} must be a name (text), not {kind}{hint}",
    "flag_not_bool": "{field} must be true or false, not {kind}{hint}",
    # InvalidArticle: the article's rules (articlefile.first_problem)
    "id_missing": "missing id",
    "id_invalid": "id '{id}' must be lowercase letters, digits and hyphens",
    "title_missing": "missing title",
    "title_no_letter": "title has no letter or digit",
    "title_too_long": "title longer than {limit} characters",
    "field_too_long": "longer than {limit:,} characters: nothing was cut, shorten it",
    "body_empty": "empty body",
    "date_format": "date '{value}' is not YYYY-MM-DD, YYYY-MM or YYYY",
    "date_year": "date '{value}' has an impossible year",
    "date_month": "date '{value}' has an impossible month",
    "date_day": "date '{value}' is not a real day",
    "date_source_invalid": "date_source must be one of {sources}",
    "url_invalid": "url must start with http:// or https://",
    "names_invalid": "{field} must be a list of non-empty names",
    "language_invalid": "language '{language}' is not a language code such as fr",
    "datetime_format": "{field} '{value}' is not a date and time such as "
                       "2025-06-01T08:00:00+00:00",
    "datetime_unreal": "{field} '{value}' is not a real date and time",
    # InvalidArticle: an export record (tabular importer) and the import
    "export_value_type": "'{key}' ({field}) must be text, not {kind}",
    "export_body_missing": "missing body (no value for {names})",
    "export_body_too_long": "body of {size:,} characters, over the {limit:,} allowed",
    "export_id_type": "'{key}' (id) must be text or a number",
    "export_author_type": "'{key}' (author) must be text or a list of names",
    "export_date_type": "'{key}' (date) must be text such as 2019-07-05",
    "export_date_unreadable": "date '{value}' is not a date we can read",
    "body_too_long": "body of {size:,} characters exceeds the {limit:,} allowed",
    "organisation_unknown": "organisation '{name}' is not in the authority file (add it to "
                            "organisations.yaml)",
    # InvalidArticle: a file as reindex reads it and the index stores it
    "file_unreadable": "cannot be read ({reason})",
    "file_too_big": "{size:,} bytes, more than the {limit:,} allowed",
    "id_taken": "id '{id}' is already used by {other}",
    "index_year_invalid": "year {value} is not a year",
    "index_value_invalid": "field {field} has an empty or non-text value",
    "index_value_characters": "field {field} holds invalid characters",
    "index_name_multiline": "a {field} name spans several lines",
    # Refused, Missing: the workspace's and the CLI's requests about files and organisations
    "article_file_name_invalid": "'{file}' is not the name of an article file of the archive",
    "article_file_unknown": "there is no article file {file}",
    "article_id_not_id": "'{id}' is not an article id",
    "article_unknown": "there is no article {id}",
    "candidate_unknown": "{acronym} is not an organisation candidate (approved, merged or "
                         "dismissed already?)",
    "candidate_name_invalid": "the name is too long or holds invisible characters",
    "candidate_country_invalid": "the country is too long or holds invisible characters",
    "candidate_needs_name": "give {acronym} a name: no article defines it",
    "candidate_known": "{acronym} is already in {path}, as '{known}'",
    "kind_unknown": "kind must be one of {kinds}",
    "authority_entry_unknown": "'{name}' is not an entry of {path}",
    "authority_entry_breaks": "the new entry would break the file, left unchanged: {detail}",
    "authority_changed": "{path} changed while the entry was being added; run the command "
                         "again",
    "review_action_unknown": "unknown action '{action}': approve, merge or dismiss",
    "dismissals_invalid": "{path} is not valid ({reason}): correct it before dismissing "
                          "another candidate",
    "upload_unknown": "there is no such upload (imported or discarded already?)",
    "upload_claimed": "this upload is being imported already",
    "upload_too_many_files": "at most {limit} files in one upload",
    "upload_too_large": "{name}: larger than the {limit:,} bytes an import accepts (limit "
                        "import_max_bytes)",
    "upload_empty": "no file was sent",
    "form_unreadable": "the form sent cannot be read (a file whose name is not UTF-8 text?): "
                       "nothing was changed; rename the file and send it again",
}
# A failure found before it is raised (or reported): its code and its values.
Problem = tuple[str, dict[str, object]]
# Values a code takes beyond those its English message shows (the web's wording uses them).
MORE_PARAMS: dict[str, tuple[str, ...]] = {"wildcard_start": ("n",)}


@cache
def params_of(code: str) -> frozenset[str]:
    """The values an error of this code carries (KeyError for a code not declared)."""
    shown = {name for _text, name, _spec, _conv in string.Formatter().parse(MESSAGES[code])
             if name}
    return frozenset(shown | set(MORE_PARAMS.get(code, ())))


def message(code: str, **params: object) -> str:
    """A code's English message with its values filled in."""
    return MESSAGES[code].format(**params)
