"""The `archive` command: a thin shell over the library; errors become exit codes here."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path

import click

from .config import Config, load_config
from .errors import ArchiveError


def with_config(func: Callable) -> Callable:
    """Add --config/--data/--index to a command and pass it a loaded Config as `config`."""

    @click.option("--config", "config_path", type=click.Path(dir_okay=False),
                  help="Configuration file (default: archive.yaml or $ARCHIVE_CONFIG).")
    @click.option("--data", "data_dir", type=click.Path(file_okay=False),
                  help="Data folder, overriding the configuration.")
    @click.option("--index", "index_dir", type=click.Path(file_okay=False),
                  help="Index folder, overriding the configuration.")
    @functools.wraps(func)
    def wrapper(config_path: str | None, data_dir: str | None, index_dir: str | None,
                **kwargs: object) -> object:
        config = load_config(config_path, data=data_dir, index=index_dir)
        return func(config=config, **kwargs)

    return wrapper


class ArchiveGroup(click.Group):
    """Turns ArchiveError into its message on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ArchiveError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=ArchiveGroup)
@click.version_option(package_name="press-archive")
def main() -> None:
    """Archive of French-language press: import, check, index, search and serve."""


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
                          publisher=publisher, progress=_progress_factory())
    click.echo(report.render())
    if report.rejected:
        sys.exit(1)


@main.command("check")
@with_config
def check_command(config: Config) -> None:
    """Validate every article file in data/ and report the broken ones."""
    from .ingest import check_archive

    report = check_archive(config)
    click.echo(report.render())
    if report.rejected:
        sys.exit(1)


def _progress_factory() -> Callable | None:
    """A progress bar on a terminal, plain periodic lines otherwise (cron logs)."""
    from .progress import Progress

    return Progress.factory()


# --- organisations: orgs ... ---------------------------------------------------------------


# --- index: reindex, status, rollback --------------------------------------------------------


# --- search ---------------------------------------------------------------------------------


# --- web: serve -----------------------------------------------------------------------------
