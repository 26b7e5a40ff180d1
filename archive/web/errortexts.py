"""What the site says for each error code, in the visitor's language.

One entry per code of `archive.errors.MESSAGES`: an English message id marked for extraction
(`N_`), which the French catalog translates, with `%(name)s` placeholders filled from the
error's values. The command line keeps the English messages of `errors.MESSAGES`; the site
words a failure for the person reading a page, and never matches the English text.
Details that the parser, the YAML reader or the system give in English (`reason`, `problem`,
`kind`, `hint`) stay in English inside a translated message.
"""

from __future__ import annotations

from ..errors import ArchiveError
from .i18n import N_, Translator

_TOO_COMPLEX = N_("The search is too long or too complex: shorten it.")
_YEAR_RANGE = N_("année: takes a year or a range of years, e.g. année:2019 or année:2015-2018.")
_BODY_TOO_LONG = N_("The body has %(size)s characters, more than the %(limit)s allowed.")

ERROR_TEXTS: dict[str, str] = {
    # a search, its words and its parameters
    "query_not_understood": N_("The search could not be understood: check the quotes and "
                               "parentheses, or use plain words."),
    "query_too_long": N_("The search is too long (%(count)s characters; at most %(limit)s)."),
    "query_too_deep": _TOO_COMPLEX,
    "query_too_many_terms": _TOO_COMPLEX,
    "request_too_long": _TOO_COMPLEX,
    "wildcard_start": N_("A word cannot start with *: put at least %(n)s letters before it, "
                         "e.g. syndic*."),
    "wildcard_inside": N_("Only a * at the end of a word is allowed, e.g. syndic*."),
    "prefix_too_short": N_("Put at least %(n)s letters before the *, e.g. syndic*."),
    "prefix_too_common": N_("This prefix stands for too many words: type more letters before "
                            "the *."),
    "year_needs_value": _YEAR_RANGE,
    "year_not_a_year": _YEAR_RANGE,
    "years_reversed": N_("année:%(value)s: the first year comes after the second; write "
                         "année:%(ordered)s."),
    "query_has_no_words": N_("The search holds no word, only signs or symbols: type a word, e.g. "
                             "grève."),
    "only_common_words": N_("The search holds only very common words (le, la, de…): add a more "
                            "specific word."),
    "too_many_expansions": N_("This search has too many words ending in * or ~, which stand "
                              "for too many words together: use fewer of them, or type more "
                              "letters before the *."),
    "expansions_too_common": N_("The words ending in * or ~ of this search stand for words found "
                                "in too many articles together: use fewer words ending in ~, "
                                "or type more letters before the *."),
    "too_broad_in_time": N_("This search is too broad to answer in time: add a more specific "
                            "word, or type more letters before the *."),
    "unknown_facet": N_("There is no list of “%(facet)s”."),
    "facet_search_too_long": _TOO_COMPLEX,
    "unknown_sort": N_("Unknown sort order: choose relevance, newest or oldest."),
    "page_not_whole": N_("The page number must be a whole number from 1."),
    "page_over_limit": N_("Results stop at page %(limit)s: narrow the search with filters or "
                          "dates instead."),
    "page_size_not_whole": N_("The number of results per page must be a whole number from 1."),
    "page_size_over_limit": N_("At most %(limit)s results per page."),
    "facet_limit_not_whole": N_("The number of values per filter must be a whole number (0 for "
                                "all of them)."),
    "unknown_filter": N_("Unknown filter: %(facet)s."),
    "together_one_value": N_("An article has one %(facet)s: its ticked values cannot all be "
                             "required, only one of them."),
    "too_many_filter_values": N_("Too many filters of one kind (at most %(limit)s)."),
    "too_many_filter_values_total": N_("Too many filters in one search (at most %(limit)s): "
                                       "remove some."),
    "request_body_too_large": N_("This address does not accept data sent with the request."),
    "filter_value_length": N_("A filter value is empty or too long."),
    "filter_value_not_text": N_("A filter value is not text."),
    "year_filter_not_year": N_("“%(value)s” is not a year such as 2019."),
    "date_not_understood": N_("The date “%(value)s” is not understood: write 2019, 2019-03 or "
                              "2019-03-15."),
    "dates_reversed": N_("The start date comes after the end date."),
    # an article file's format
    "front_matter_missing": N_("The article file has no front matter: it must start with a --- "
                               "line."),
    "front_matter_unclosed": N_("The front matter is not closed by a --- line."),
    "front_matter_twice": N_("A second front matter (--- then fields) opens the body: was the "
                             "file pasted twice? Keep one."),
    "merge_conflict": N_("An unresolved merge conflict (<<<<<<< … >>>>>>>, left by git): keep "
                         "one side and delete the marker lines."),
    "front_matter_too_long": N_("The front matter is longer than %(limit)s characters."),
    "front_matter_too_deep": N_("The front matter is nested too deeply."),
    "front_matter_not_mapping": N_("The front matter must be a series of fields, one per line, "
                                   "each with its name and its value."),
    "yaml_references": N_("YAML anchors, aliases and tags are not allowed."),
    "yaml_invalid": N_("The front matter is not valid YAML (%(problem)s)."),
    "field_name_not_word": N_("A field name must be a word such as title, not %(kind)s."),
    "field_twice": N_("The field “%(field)s” is given twice (first on line %(first)s): keep "
                      "one."),
    "body_in_field": N_("The body goes after the closing --- line, not in a field."),
    "unknown_fields": N_("Unknown field(s): %(fields)s."),
    "inline_comment": N_("A “#” after a space starts a YAML comment, which cuts %(field)s "
                         "short: put the value in quotes, or the comment on its own line."),
    "field_not_text": N_("%(field)s must be text, not %(kind)s%(hint)s."),
    "names_not_mapping": N_("%(field)s must be a name or a list of names, not a series of "
                            "fields."),
    "name_not_text": N_("Each %(item)s must be a name (text), not %(kind)s%(hint)s."),
    "flag_not_bool": N_("%(field)s must be true or false, not %(kind)s%(hint)s."),
    # an article's rules
    "id_missing": N_("The id is missing."),
    "id_invalid": N_("The id “%(id)s” must be made of lowercase letters, digits and hyphens."),
    "title_missing": N_("The title is missing."),
    "title_no_letter": N_("The title has no letter or digit."),
    "title_too_long": N_("The title is longer than %(limit)s characters."),
    "field_too_long": N_("Longer than %(limit)s characters: nothing was cut, shorten it."),
    "body_empty": N_("The body is empty."),
    "date_format": N_("The date “%(value)s” is not written YYYY-MM-DD, YYYY-MM or YYYY."),
    "date_year": N_("The date “%(value)s” has an impossible year."),
    "date_month": N_("The date “%(value)s” has an impossible month."),
    "date_day": N_("The date “%(value)s” is not a real day."),
    "date_source_invalid": N_("date_source must be one of %(sources)s."),
    "url_invalid": N_("The url must start with http:// or https://."),
    "names_invalid": N_("%(field)s must be a list of non-empty names."),
    "language_invalid": N_("The language “%(language)s” is not a language code such as fr."),
    "datetime_format": N_("%(field)s “%(value)s” is not a date and time such as "
                          "2025-06-01T08:00:00+00:00."),
    "datetime_unreal": N_("%(field)s “%(value)s” is not a real date and time."),
    # an export record, and the import
    "export_value_type": N_("“%(key)s” (%(field)s) must be text, not %(kind)s."),
    "export_body_missing": N_("The body is missing (no value for %(names)s)."),
    "export_body_too_long": _BODY_TOO_LONG,
    "export_id_type": N_("“%(key)s” (id) must be text or a number."),
    "export_author_type": N_("“%(key)s” (author) must be text or a list of names."),
    "export_date_type": N_("“%(key)s” (date) must be text such as 2019-07-05."),
    "export_date_unreadable": N_("The date “%(value)s” cannot be read."),
    "body_too_long": _BODY_TOO_LONG,
    "organisation_unknown": N_("The organisation “%(name)s” is not in the authority file: add it "
                               "to organisations.yaml."),
    # a file as reindex reads it and the index stores it
    "file_unreadable": N_("The file cannot be read (%(reason)s)."),
    "file_too_big": N_("The file has %(size)s bytes, more than the %(limit)s allowed."),
    "id_taken": N_("The id “%(id)s” is already used by %(other)s."),
    "index_year_invalid": N_("The year %(value)s is not a year."),
    "index_value_invalid": N_("The field %(field)s has an empty value, or one that is not "
                              "text."),
    "index_value_characters": N_("The field %(field)s holds invalid characters."),
    "index_name_multiline": N_("A %(field)s name spans several lines."),
    # the workspace's requests about files and organisations
    "article_file_name_invalid": N_("“%(file)s” is not the name of an article file of the "
                                    "archive."),
    "article_file_unknown": N_("There is no article file %(file)s."),
    "article_id_not_id": N_("“%(id)s” is not an article id."),
    "article_unknown": N_("There is no article %(id)s."),
    "candidate_unknown": N_("%(acronym)s is no longer a candidate: someone approved, merged "
                            "or dismissed it meanwhile?"),
    "candidate_name_invalid": N_("The name is too long or holds invisible characters."),
    "candidate_country_invalid": N_("The country is too long or holds invisible characters."),
    "candidate_needs_name": N_("Give %(acronym)s a name: no article defines it."),
    "candidate_known": N_("%(acronym)s is already in the authority file, as “%(known)s”."),
    "kind_unknown": N_("The kind must be one of %(kinds)s."),
    "authority_entry_unknown": N_("“%(name)s” is not an entry of the authority file."),
    "authority_entry_breaks": N_("The new entry would break the authority file, which is left "
                                 "unchanged: %(detail)s"),
    "authority_changed": N_("The authority file changed while the entry was being added: try "
                            "again."),
    "review_action_unknown": N_("Unknown action “%(action)s”: approve, merge or dismiss."),
    "dismissals_invalid": N_("%(path)s is not valid (%(reason)s): correct it before dismissing "
                             "another candidate."),
    "upload_unknown": N_("There is no such upload: imported or discarded already?"),
    "upload_claimed": N_("This upload is being imported already."),
    "upload_too_many_files": N_("At most %(limit)s files in one upload."),
    "upload_too_large": N_("%(name)s is larger than the %(limit)s bytes an import accepts."),
    "upload_empty": N_("No file was sent."),
    "form_unreadable": N_("The form sent cannot be read, perhaps because a file’s name is not "
                          "UTF-8 text: nothing was changed. Rename the file with plain letters "
                          "and send it again."),
}


def error_text(t: Translator, error: ArchiveError) -> str:
    """An error declared by code, in the translator's language; numbers in its grouping.

    An error without a code (its details are the system's or a file's) keeps its message."""
    if not error.code:
        return error.message
    values = {name: t.number(value) if isinstance(value, int) else value
              for name, value in error.params.items()}
    return t.gettext(ERROR_TEXTS[error.code], **values)
