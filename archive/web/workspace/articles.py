"""Fixing an article: its metadata form (or its text, when it does not parse), the diff of the
file before saving, the save refused with both versions when the file changed meanwhile.

Thin views over `archive.editing`; every save is recorded in the audit log by the signed-in
account. The file is named by its path below `data/articles` (as reports name files), which
`editing.locate` confines there.
"""

from __future__ import annotations

import re

from flask import flash, g, redirect, render_template, request, url_for

from ... import articlefile, audit, editing
from ...errors import InvalidArticle, NotFound
from ...organisations import authority_at
from ...textnorm import fold
from ..context import services
from ..errortexts import error_text
from . import auth, workspace

MAX_MATCHES = 20
_LINE = re.compile(r": line (\d+)$")


FIELD_MAX = 20_000  # characters of one form field (the title has its own, smaller limit)


def _messages(errors: dict[str, InvalidArticle]) -> dict[str, str]:
    return {name: error_text(g.t, error) for name, error in errors.items()}


def _values() -> dict[str, str]:
    """The form's fields; organisations ticked in the authority search are added."""
    # one character over the limit is kept, so that a longer field is refused, never cut
    values = {name: request.form.get(name, "")[:FIELD_MAX + 1] for name in editing.FORM_FIELDS}
    added = [name for name in request.form.getlist("add_organisation") if name.strip()]
    if added:
        current = [line.strip() for line in values["organisations"].splitlines()
                   if line.strip()]
        values["organisations"] = "\n".join(current + [a for a in added if a not in current])
    return values


def _matches(query: str) -> list[tuple[str, str | None]]:
    """Authority entries whose name, acronym or an alias holds the words searched."""
    authority = authority_at(services().config.authority_file, last_good=True)
    words = fold(query).split()  # `oeuvres` finds `œuvres`
    if authority is None or not words:
        return []
    found = []
    for entry in authority.entries:
        forms = fold(" ".join(entry.forms))
        if all(word in forms for word in words):
            found.append((entry.name, entry.acronym))
            if len(found) >= MAX_MATCHES:
                break
    return found


@workspace.route("/fiche/<path:rel>", methods=["GET", "POST"])
@auth.login_required
def edit_article(rel: str):
    """The metadata form; `action` searches the authority file, previews the diff, or saves."""
    config = services().config
    if request.method == "POST" and request.form.get("action") == "save":
        gone = _gone(rel, _typed(_values()))
        if gone is not None:
            return gone
    opened = editing.open_file(config, rel)
    if opened.article is None:
        if request.method == "POST" and request.form.get("action") == "save":
            # broken by hand since the form was opened: the typed values are shown, not lost
            return _conflict(opened, editing.EditConflict(
                opened.rel, opened.text, opened.digest, _typed(_values())))
        return redirect(url_for("workspace.edit_text", rel=opened.rel))
    if request.method == "GET":
        return _form(opened, editing.form_values(opened.article), opened.digest)
    values, digest = _values(), request.form.get("digest", "")
    action = request.form.get("action", "preview")
    if action == "search":
        query = request.form.get("orgq", "")[:200]
        return _form(opened, values, digest, query=query, matches=_matches(query))
    if action == "edit":  # back from the preview, the values kept
        return _form(opened, values, digest)
    long = {name: InvalidArticle("field_too_long", limit=FIELD_MAX)
            for name, value in values.items() if len(value) > FIELD_MAX}
    if long:
        return _form(opened, values, digest, errors=_messages(long), status=422)
    edited = editing.from_form(opened.article, values)
    article, errors = editing.check(config, opened.rel, edited)
    if errors:
        return _form(opened, values, digest, errors=_messages(errors), status=422)
    if action != "save":
        new_text = articlefile.render(article)
        return render_template("workspace/preview.html", opened=opened, values=values,
                               digest=digest, diff=editing.diff(opened.text, new_text, rel),
                               conflict=digest != opened.digest,
                               action=url_for("workspace.edit_article", rel=opened.rel))
    try:
        saved = editing.save_article(config, opened.rel, edited, digest)
    except editing.EditConflict as conflict:
        return _conflict(opened, conflict)
    except editing.FieldErrors as exc:
        return _form(opened, values, digest, errors=_messages(exc.errors), status=422)
    return _done(saved)


def _form(opened: editing.Opened, values: dict[str, str], digest: str, errors=None,
          query: str = "", matches=(), status: int = 200):
    return render_template("workspace/article.html", opened=opened, values=values,
                           digest=digest, errors=errors or {}, query=query, matches=matches,
                           sources=("page", "url", "dateline", "text", "manual")), status


def _conflict(opened: editing.Opened | None, conflict: editing.EditConflict):
    return render_template("workspace/conflict.html", opened=opened, conflict=conflict,
                           moved_to=_moved_to(conflict.rel) if conflict.gone else None,
                           diff=editing.diff(conflict.current, conflict.proposed,
                                             conflict.rel)), 409


def _gone(rel: str, proposed: str):
    """The conflict page when the file a form was opened on is no longer there (moved by a
    new date, or deleted): what was typed is shown, never lost. None while the file is there."""
    try:
        editing.locate(services().config, rel)
    except NotFound:
        return _conflict(None, editing.EditConflict(rel, "", "", proposed, gone=True))
    return None


def _moved_to(rel: str) -> str | None:
    """Where an article file went when a new date moved it to another year's folder."""
    articles = services().config.articles_dir
    name = rel.replace("\\", "/").rsplit("/", 1)[-1]
    if not name.endswith(articlefile.SUFFIX) or name.startswith("."):
        return None
    found = sorted(folder / name for folder in articles.iterdir()
                   if folder.is_dir() and (folder / name).is_file())
    return found[0].relative_to(articles).as_posix() if found else None


def _typed(values: dict[str, str]) -> str:
    """A form's values as lines, to show what was typed when nothing could be saved."""
    return "".join(f"{name}: {value}\n" for name, value in values.items() if value)


def _done(saved: editing.Saved):
    config = services().config
    user = auth.current_user()
    before, after = config.articles_dir / saved.rel_before, config.articles_dir / saved.rel
    files = {before: (saved.digest_before, None), after: (None, saved.digest)} if saved.moved \
        else {after: (saved.digest_before, saved.digest)}
    audit.record(config, user.name, "edit", files=files, article=saved.rel)
    flash(g.t.gettext("Saved: %(file)s. Reindex to show the change on the public site.",
                      file=saved.rel))
    return redirect(url_for("workspace.edit_article", rel=saved.rel))


@workspace.route("/texte/<path:rel>", methods=["GET", "POST"])
@auth.login_required
def edit_text(rel: str):
    """An article file as text (the way to fix one that does not parse): preview, then save
    once it parses."""
    config = services().config
    if request.method == "POST" and request.form.get("action") == "save":
        gone = _gone(rel, request.form.get("text", "").replace("\r\n", "\n"))
        if gone is not None:
            return gone
    opened = editing.open_file(config, rel)
    if request.method == "GET":
        return _text_form(opened, opened.text, opened.digest, opened.problem)
    text = request.form.get("text", "").replace("\r\n", "\n")
    digest = request.form.get("digest", "")
    if request.form.get("action") == "edit":  # back from the preview, the text kept
        return _text_form(opened, text, digest, None)
    try:
        if request.form.get("action") != "save":
            articlefile.parse(text, opened.rel)
            return render_template("workspace/preview.html", opened=opened, text=text,
                                   digest=digest, diff=editing.diff(opened.text, text, rel),
                                   conflict=digest != opened.digest,
                                   action=url_for("workspace.edit_text", rel=opened.rel))
        saved = editing.save_text(config, opened.rel, text, digest)
    except editing.EditConflict as conflict:
        return _conflict(opened, conflict)
    except editing.FieldErrors as exc:
        return _text_form(opened, text, digest, next(iter(exc.errors.values())), 422)
    except InvalidArticle as exc:
        return _text_form(opened, text, digest, exc, 422)
    return _done(saved)


def _text_form(opened: editing.Opened, text: str, digest: str, problem, status: int = 200):
    line, message = None, ""
    if problem is not None:
        message = error_text(g.t, problem)
        found = _LINE.search(getattr(problem, "location", ""))
        line = int(found.group(1)) if found else None
    return render_template("workspace/text.html", opened=opened, text=text, digest=digest,
                           problem=message, line=line), status
