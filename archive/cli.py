"""The `archive` command: a thin shell over the library; errors become exit codes here."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from . import audit
from .config import Config, load_config
from .errors import EXIT_INTERRUPTED, EXIT_PARTIAL, ArchiveError
from .facets import Facet, registry


def _archive_options(func: Callable) -> Callable:
    """--config/--data/--index, accepted before the subcommand and after it."""
    func = click.option("--index", "index_dir", type=click.Path(file_okay=False),
                        help="Index folder, overriding the configuration.")(func)
    func = click.option("--data", "data_dir", type=click.Path(file_okay=False),
                        help="Data folder, overriding the configuration.")(func)
    return click.option("--config", "config_path", type=click.Path(dir_okay=False),
                        help="Configuration file (default: archive.yaml in this folder or "
                             "the nearest parent, or $ARCHIVE_CONFIG).")(func)


def with_config(func: Callable) -> Callable:
    """Give a command the archive options and pass it the loaded Config as `config`.

    An option after the subcommand wins over the same option before it.
    """

    @_archive_options
    @functools.wraps(func)
    def wrapper(config_path: str | None, data_dir: str | None, index_dir: str | None,
                **kwargs: object) -> object:
        given = click.get_current_context().find_object(dict)
        given = given if given is not None else {}
        config = load_config(config_path or given.get("config_path"),
                             data=data_dir or given.get("data_dir"),
                             index=index_dir or given.get("index_dir"))
        given["config"] = config  # so that a failure names the archive too
        return func(config=config, **kwargs)

    return wrapper


class ArchiveGroup(click.Group):
    """Turns ArchiveError into its details on stdout, its message on stderr, its exit code;
    stdout ends by naming the archive, as after a success."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # (click said only "Aborted!")
            click.echo("interrupted: what was done is kept whole (each file is replaced at "
                       "once, a reindex serves its new generation whole or not at all, and an "
                       "import's changes are in the audit log); run the command again to "
                       "finish", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except ArchiveError as exc:
            if exc.details:
                click.echo(exc.details)
            if isinstance(ctx.obj, dict) and ctx.obj.get("config") is not None:
                click.echo(ctx.obj["config"].describe())
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=ArchiveGroup)
@click.version_option(package_name="press-archive")
@_archive_options
@click.pass_context
def main(ctx: click.Context, config_path: str | None, data_dir: str | None,
         index_dir: str | None) -> None:
    """Archive of French-language press: import, check, index, search and serve."""
    ctx.obj = {"config_path": config_path, "data_dir": data_dir, "index_dir": index_dir}


def _finish(config: Config, summary: str, partial: bool = False) -> None:
    """Print a command's summary, naming the archive it worked on; exit 3 when partial."""
    click.echo(summary)
    click.echo(config.describe())
    if partial:
        sys.exit(EXIT_PARTIAL)


@main.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", "site_name", default=None, help="The site's name, shown on every page.")
def init_command(folder: Path, site_name: str | None) -> None:
    """Create a new archive in FOLDER: archive.yaml, data/, the authority and publishers
    files, index/."""
    from .newarchive import init_archive

    click.echo(init_archive(folder, site_name).render())


# --- ingest: import, check ---------------------------------------------------------------


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@click.option("--map", "mapping", default="",
              help="Field mapping for JSON Lines/CSV exports, e.g. title=headline,body=text.")
@click.option("--publisher", default=None, help="Publisher to record when the input has none.")
@with_config
def import_command(config: Config, paths: tuple[Path, ...], dry_run: bool, mapping: str,
                   publisher: str | None) -> None:
    """Import scraped pages, HTML pages, JSONL/CSV exports or article files into data/."""
    from .ingest import import_paths, parse_mapping

    report = import_paths(list(paths), config, dry_run=dry_run, mapping=parse_mapping(mapping),
                          publisher=publisher, progress=_progress_factory(),
                          audit_as=audit.system_user(),
                          inputs={"inputs": [str(p) for p in paths]})
    _finish(config, report.render(), partial=report.partial)


@main.command("check")
@with_config
def check_command(config: Config) -> None:
    """Validate every article file in data/ and report the broken ones."""
    from .ingest import check_archive

    report = check_archive(config)
    _finish(config, report.render(), partial=bool(report.rejected))


def _progress_factory() -> Callable | None:
    """A progress bar on a terminal, plain periodic lines otherwise (cron logs)."""
    from .progress import Progress

    return Progress.factory()


# --- organisations: orgs ... ---------------------------------------------------------------


@main.group("orgs")
def orgs_group() -> None:
    """The organisation authority file: check it, list it, find what it lacks, add to it."""


@orgs_group.command("check")
@with_config
def orgs_check_command(config: Config) -> None:
    """Validate the authority file (exit 1 with the reason when it is broken), then list what
    an archivist should look at: validity dates overlapping a successor's, short aliases
    without a guard, entries marked for review (listed, exit 0)."""
    from .orgcheck import findings

    try:
        authority = _authority(config)
    except ArchiveError as exc:  # the file checked is broken: the check failed (exit 1)
        raise ArchiveError(exc.message) from None
    report = findings(authority).render()
    _finish(config, f"{config.authority_file}: {len(authority.entries)} organisations, "
                    "all valid" + (f"\n{report}" if report else ""))


@orgs_group.command("list")
@with_config
def orgs_list_command(config: Config) -> None:
    """Every organisation with its acronym, kind and number of articles naming it."""
    from collections import Counter

    authority = _authority(config)
    counts: Counter[str] = Counter()
    for article, country in _articles(config):
        counts.update(authority.extract(article.title, article.body, country))
    _finish(config, "\n".join(
        f"{counts[entry.name]:>6}  {entry.acronym or '-':<10} {entry.kind:<13} {entry.name}"
        for entry in sorted(authority.entries, key=lambda e: (-counts[e.name], e.name))))


@orgs_group.command("candidates")
@click.option("--min-count", type=click.IntRange(1), default=2, show_default=True,
              help="Only acronyms seen at least this many times.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True,
              help="Show at most this many acronyms.")
@with_config
def orgs_candidates_command(config: Config, min_count: int, limit: int) -> None:
    """Organisations the articles define that the authority file lacks (first), then
    acronyms they use that it does not know."""
    from .organisations import find_candidates
    from .orgdefinitions import defined_candidates
    from .orgreview import dismissed, dismissed_path, dismissed_problem

    authority = _authority(config)
    articles = list(_articles(config))
    skip = dismissed(config)  # by an archivist, in the workspace
    broken = dismissed_problem(config)
    defined = [c for c in defined_candidates(((a.new_organisations, country)
                                              for a, country in articles), authority)
               if c.acronym not in skip][:limit]
    lines = []
    if defined:
        lines.append("defined by the articles, not in the authority file "
                     "('archive orgs add ACRONYM' adds one):")
    for candidate in defined:
        lines.append(f"{candidate.acronym} ({candidate.articles} article"
                     f"{'s' if candidate.articles > 1 else ''}) = {candidate.name}")
        lines += [f"    also defined as: {name} ({count})"
                  for name, count in candidate.names.most_common() if name != candidate.name]
    listed = {c.acronym for c in defined} | skip
    shown = [c for c in find_candidates(((a.title, a.body) for a, _ in articles), authority)
             if c.count >= min_count and c.acronym not in listed][:limit]
    if defined and shown:
        lines.append("used without a definition the authority file knows:")
    for candidate in shown:
        expansion = f" = {candidate.expansion}" if candidate.expansion else ""
        lines.append(f"{candidate.acronym} ({candidate.count}){expansion}")
        lines += [f"    « {example} »" for example in candidate.examples]
    if broken is not None:
        lines.append(f"{dismissed_path(config)} is not valid ({broken}): the candidates its "
                     "last good version dismissed stay dismissed; correct it")
    _finish(config, "\n".join(lines) or f"no unknown acronym seen {min_count} times or more",
            partial=broken is not None)


@orgs_group.command("add")
@click.argument("acronym")
@click.option("--name", default=None, help="The canonical name (default: the name most "
                                           "articles define it with).")
@click.option("--kind", default=None, help="Its kind (default: guessed from its name).")
@click.option("--country", default=None,
              help="ML, another ISO code, or international (default: the country its name "
                   "names, else that of most articles defining it).")
@with_config
def orgs_add_command(config: Config, acronym: str, name: str | None, kind: str | None,
                     country: str | None) -> None:
    """Add an organisation the articles define (see 'orgs candidates') to the authority file."""
    from .orgdefinitions import defined_candidates
    from .orgpromotion import promote
    from .writelock import writing

    authority = _authority(config)
    defined = defined_candidates(((a.new_organisations, c) for a, c in _articles(config)),
                                 authority)
    candidate = next((c for c in defined if c.acronym == acronym), None)
    if candidate is None:
        known = authority.canonical(acronym)
        raise ArchiveError(f"{acronym} is already in {config.authority_file}, as '{known}'"
                           if known else
                           f"no article defines {acronym} ('archive orgs candidates' lists "
                           "those that do); add other organisations to the file by hand")
    with audit.changing(config, audit.system_user(), "orgs add", [config.authority_file],
                        acronym=acronym), writing(config):
        promotion = promote(config.authority_file, candidate, name=name, kind=kind,
                            country=country)
    _finish(config, promotion.render())


def _authority(config: Config):
    """The archive's authority file; the `orgs` commands need one (AuthorityError without)."""
    from .organisations import AuthorityError, authority_at, no_authority

    authority = authority_at(config.authority_file)
    if authority is None:
        raise AuthorityError(no_authority(config.authority_file))
    return authority


def _articles(config: Config):
    """(article, its publisher's country) of every readable article file; broken files are
    reported on stderr."""
    from .articlefile import iter_files, read
    from .publishers import publishers_at

    publishers = publishers_at(config.publishers_file)
    for path in iter_files(config.articles_dir):
        try:
            article = read(path, config.limits.import_max_bytes)
        except ArchiveError as exc:
            click.echo(f"skipped: {exc.message}", err=True)
            continue
        country = publishers.country_of(article.publisher, article.url) if publishers else None
        yield article, country or config.country


# --- index: reindex, status, rollback --------------------------------------------------------


@main.command("reindex")
@click.option("--full", is_flag=True, help="Rebuild from scratch instead of applying changes.")
@click.option("--dry-run", is_flag=True, help="Show what would be added/updated/deleted only.")
@click.option("--procs", type=click.IntRange(1, 8), default=None,
              help="Indexing processes for a full build (default: 2 for large archives).")
@with_config
def reindex_command(config: Config, full: bool, dry_run: bool, procs: int | None) -> None:
    """Index data/ into a new generation, check it, then switch searches to it."""
    from .indexing import reindex

    before = _serving(config)
    report = reindex(config, full=full, dry_run=dry_run, progress=_progress_factory(),
                     procs=procs)
    if not dry_run and report.generation and report.generation != (before and before.current):
        audit.record(config, audit.system_user(), "reindex",
                     before=before.current if before else None, after=report.generation,
                     mode=report.mode, added=report.added, updated=report.updated,
                     deleted=report.deleted, articles=report.articles)
    _finish(config, report.render(), partial=bool(report.rejected or report.kept or
                                                  report.left_out or report.set_aside))


def _serving(config: Config):
    """What CURRENT says before a job, for the audit log (None when missing or damaged: the
    job itself reports that)."""
    from .indexing.generations import read_pointer

    try:
        return read_pointer(config.index_dir)
    except (ArchiveError, OSError):
        return None


@main.command("status")
@with_config
def status_command(config: Config) -> None:
    """Show the serving index generation and what changed in data/ since it was built."""
    from .indexing import status

    found = status(config)
    _finish(config, found.render(), partial=bool(found.set_aside))


@main.command("rollback")
@click.option("--to", "to", metavar="GEN", default=None,
              help="Serve this generation (one 'archive status' lists), even without CURRENT.")
@with_config
def rollback_command(config: Config, to: str | None) -> None:
    """Serve the previous index generation again (run it twice to undo), or the one named."""
    from .indexing import rollback

    before = _serving(config)
    pointer = rollback(config, to=to)
    audit.record(config, audit.system_user(), "rollback",
                 before=before.current if before else None, after=pointer.current)
    _finish(config, f"now serving {pointer.current} (previous: {pointer.previous})")


# --- search ---------------------------------------------------------------------------------

FILTER = "filter_"  # keyword prefix of the facet options' values


class FacetFilterCommand(click.Command):
    """A command with a filter option per facet of the registry in force when it runs
    (`--section`, `--author`, `--organisation`/`--org`, `--year`), after its arguments."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        """The command's own parameters with the facet options inserted after its arguments."""
        params = super().get_params(ctx)
        at = next((i for i, p in enumerate(params) if not isinstance(p, click.Argument)),
                  len(params))
        return params[:at] + [_filter_option(f) for f in registry()] + params[at:]


def _facets_named(names: tuple[str, ...]) -> tuple[str, ...]:
    """The facets an option names by any of its names (`org`, `organisation`, `author`)."""
    facets, out = registry(), []
    for name in names:
        spec = next((f for f in facets if name.lstrip("-") in (
            f.name, f.param, *(o.lstrip("-") for o in f.cli_options))), None)
        out.append(spec.name if spec is not None else name)  # unknown: the search says so
    return tuple(dict.fromkeys(out))


def _filter_option(facet: Facet) -> click.Option:
    how = ("name, acronym or alias; " if facet.authority
           else "exact name; " if facet.kind == "names" else "")
    return click.Option([*facet.cli_options, f"{FILTER}{facet.name}"], multiple=True,
                        help=f"Only this {facet.label.lower()} ({how}repeat to OR several).")


@main.command("search", cls=FacetFilterCommand)
@click.argument("query", nargs=-1)
@click.option("--from", "date_from", default=None, help="From this day, month or year (2019-03).")
@click.option("--to", "date_to", default=None, help="Up to this day, month or year.")
@click.option("--estimated/--no-estimated", default=True, show_default=True,
              help="Count dates estimated from the text in years, dates and date order "
                   "(--no-estimated: only dates the sources state).")
@click.option("--lineage", is_flag=True,
              help="Widen an organisation filter to its predecessors and successors (OUA with "
                   "Union africaine).")
@click.option("--all", "together", multiple=True, metavar="FACET",
              help="Require every value given for this filter (--all org: articles filed under "
                   "each --org), where they otherwise OR; repeat for several filters.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
@with_config
def search_command(config: Config, query: tuple[str, ...], date_from: str | None,
                   date_to: str | None, estimated: bool, sort: str, page: int, as_json: bool,
                   lineage: bool = False, together: tuple[str, ...] = (),
                   **facet_values: tuple[str, ...]) -> None:
    """Search the archive (French query language) and print hits and facet counts."""
    import dataclasses
    import json

    from .search import SearchRequest, records, search
    from .search.plaintext import render_result

    filters = {name.removeprefix(FILTER): values for name, values in facet_values.items()
               if values}
    request = SearchRequest(query=" ".join(query), filters=filters, date_from=date_from,
                            date_to=date_to, sort=sort, page=page, estimated=estimated,
                            lineage=lineage, together=_facets_named(together))
    result = search(config.index_dir, request, config)
    if as_json:  # stdout stays pure JSON; the archive is named on stderr
        shown = {**dataclasses.asdict(result),
                 "hits": [records.record(hit, records.CLI_HIT) for hit in result.hits]}
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        click.echo(config.describe(), err=True)
    else:
        _finish(config, render_result(result))


# --- accounts: users ... ------------------------------------------------------------------


@main.group("users")
def users_group() -> None:
    """The workspace's accounts: add, list, remove, change a password (no default account)."""


def _new_password(name: str) -> str:
    """A password typed twice, hidden (never an option: it would stay in the shell's history)."""
    from .accounts import check_password

    while True:
        password = click.prompt(f"Password for {name}", hide_input=True,
                                confirmation_prompt="Repeat it")
        try:
            return check_password(password)
        except ArchiveError as exc:
            if not sys.stdin.isatty():
                raise
            click.echo(exc.message, err=True)


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["archivist", "admin"]), required=True,
              help="archivist: edits, imports, reindexes, rolls back; admin: also manages "
                   "accounts.")
@with_config
def users_add_command(config: Config, name: str, role: str) -> None:
    """Create an account of the web workspace; the password is asked twice."""
    from .accounts import add_user, check_name, get_user

    name = check_name(name)
    if get_user(config, name) is not None:
        raise ArchiveError(f"there is already an account named {name}")
    password = _new_password(name)
    with audit.changing(config, audit.system_user(), "users add", [config.users_path],
                        account=name, role=role):
        user = add_user(config, name, role, password)
    _finish(config, f"account {user.name} ({user.role}) created in {config.users_path}")


@users_group.command("list")
@with_config
def users_list_command(config: Config) -> None:
    """Every account of the web workspace, with its role."""
    from .accounts import list_users

    users = list_users(config)
    _finish(config, "\n".join(f"{u.name}  {u.role}" for u in users) or
            "no account yet: 'archive users add NAME --role admin' creates the first one")


@users_group.command("remove")
@click.argument("name")
@with_config
def users_remove_command(config: Config, name: str) -> None:
    """Delete an account (its open sessions end at their next request)."""
    from .accounts import remove_user

    with audit.changing(config, audit.system_user(), "users remove", [config.users_path],
                        account=name):
        user = remove_user(config, name)
    _finish(config, f"account {user.name} removed")


@users_group.command("passwd")
@click.argument("name")
@with_config
def users_passwd_command(config: Config, name: str) -> None:
    """Give an account a new password, asked twice (its open sessions end)."""
    from .accounts import get_user, set_password

    user = get_user(config, name)
    if user is None:
        raise ArchiveError(f"no account named {name}")
    password = _new_password(user.name)
    with audit.changing(config, audit.system_user(), "users passwd", [config.users_path],
                        account=user.name):
        set_password(config, user.name, password)
    _finish(config, f"new password set for {user.name}")


# --- web: serve -----------------------------------------------------------------------------


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Worker threads of the WSGI server (of each worker process).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes: 1 serves with waitress; more serve with gunicorn, one "
                   "process per core (not on Windows, where gunicorn does not run).")
@with_config
def serve_command(config: Config, host: str, port: int, threads: int, workers: int) -> None:
    """Serve the web interface with waitress, a production WSGI server, or with gunicorn's
    pre-forked workers (--workers N, Linux and macOS)."""
    from .web import create_app
    from .web.server import make_server
    from .web.warmup import warm

    if workers > 1:
        _serve_prefork(config, host, port, threads, workers)
        return
    app = create_app(config)
    warm(app)
    server = make_server(app, host=host, port=port, threads=threads)
    _announce(config, host, server.effective_port, "waitress")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("stopped")


def _announce(config: Config, host: str, port: int, how: str) -> None:
    shown = f"[{host}]" if ":" in host else ("127.0.0.1" if host == "0.0.0.0" else host)
    click.echo(f"Serving {config.site_name} on http://{shown}:{port}/ "
               f"(index: {config.index_dir}, {how}); Ctrl+C to stop.")
    click.echo(config.describe())


def _serve_prefork(config: Config, host: str, port: int, threads: int, workers: int) -> None:
    from .web import prefork

    problem = prefork.available()
    if problem:
        raise ArchiveError(f"--workers {workers} needs gunicorn: {problem}; serve with "
                           f"--workers 1 (waitress) instead")
    try:
        sock = prefork.listen(host, port)
    except OSError as exc:
        raise ArchiveError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    _announce(config, host, sock.getsockname()[1], f"gunicorn, {workers} workers")
    arbiter = os.getpid()
    try:
        prefork.run(config, sock, host, workers, threads)
    except SystemExit as exc:  # gunicorn's arbiter and its workers exit when told to stop
        if exc.code not in (0, None) or os.getpid() != arbiter:
            raise
    click.echo("stopped")

