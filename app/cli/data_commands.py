"""``data import PATH…``, ``data sample``, ``data status``, ``data undo UPLOAD_ID`` (README, command line)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.cli.progress import ProgressLine
from app.services import get_services
from components.formatting import freq_text
from data.i18n import format_number
from data.storage import ImportResult
from services import imports, undo
from services.data_status import RECENT_WEEKS, DataStatus, data_status

data_cli = AppGroup(
    "data", help="Import sales files, load the demo dataset, see what each store reported, undo an upload."
)


def _echo_result(result: ImportResult) -> None:
    language = get_services().config.language

    def count(value: int) -> str:
        return format_number(value, 0, language)

    click.echo(
        _(
            "%(file)s: %(status)s — %(read)s rows read, %(new)s new, %(replaced)s replaced, "
            "%(unchanged)s unchanged; frequency %(freq)s",
            file=result.filename,
            status=_(result.status),
            read=count(result.rows_read),
            new=count(result.rows_new),
            replaced=count(result.rows_replaced),
            unchanged=count(result.rows_unchanged),
            freq=result.frequency or "-",
        )
        + (
            _("; dates %(start)s to %(end)s", start=result.date_min, end=result.date_max)
            if result.date_min
            else ""
        )
        + (f" ({note})" if (note := result.note_text(language)) else "")
    )


@data_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--user", "uploaded_by", default="cli", show_default=True, help="Name recorded as the uploader."
)
@click.option("--quiet", is_flag=True, help="Do not report progress on stderr.")
def import_cmd(paths: tuple[Path, ...], uploaded_by: str, quiet: bool) -> None:
    """Import sales files (CSV or XLSX) all-or-nothing; on a bad file list every problem and exit 1."""
    progress = None if quiet else ProgressLine(get_services().config.language)
    outcome = imports.import_sales(get_services(), paths, actor=uploaded_by, progress=progress)
    if progress is not None:
        progress.close()
    if outcome.rejection is not None:
        language = get_services().config.language
        rejection = outcome.rejection
        for problem in rejection.problems:
            click.echo(problem.text(language), err=True)
        if rejection.omitted:
            more = format_number(rejection.omitted, 0, language)
            click.echo(_("... and %(count)s more problems not listed", count=more), err=True)
        total = format_number(rejection.total, 0, language)
        click.echo(_("Rejected: %(count)s problem(s); no sales data was changed.", count=total), err=True)
        sys.exit(1)
    for result in outcome.results:
        _echo_result(result)
    _echo_published(outcome.published)


def _echo_published(published: tuple) -> None:
    """One line per level whose forecasts were re-published on the changed data (origin moved), in the
    configured language (the date ISO, as in the import line above it)."""
    for p in published:
        click.echo(
            _(
                "Forecasts of level %(level)s (%(version)s) now start after %(origin)s (no retraining).",
                level=p.level,
                version=p.version,
                origin=p.origin,
            )
        )


@data_cli.command("sample")
@click.option("--seed", default=7, show_default=True, type=int, help="Seed of the generated demo dataset.")
def sample_cmd(seed: int) -> None:
    """Load the embedded demo dataset (generated from ``--seed``) through the regular importer."""
    _echo_result(imports.load_demo(get_services(), actor="cli", seed=seed))


def status_lines(status: DataStatus) -> list[str]:
    """The ``data status`` report in the configured language: one table row per store, then
    "complete through" (dates stay ISO, as in every CLI output)."""
    if not status.stores:
        return [
            _("No sales data yet: import sales files (data import PATH…) or load the demo (data sample).")
        ]
    unit = freq_text(status.frequency).many
    periods = status.periods
    heads = [_("store"), _("first report"), _("last report"), _("unreported %(unit)s", unit=unit)]
    widths = [
        max(len(heads[0]), *(len(s.store) for s in status.stores)),
        *(max(len(h), 10) for h in heads[1:3]),
    ]

    def row(*values: object) -> str:
        return "  ".join(str(v).ljust(w) for v, w in zip(values, [*widths, 0], strict=True)).rstrip()

    lines = [
        _(
            "Reporting by store, %(unit)s of the last %(weeks)s weeks: "
            "%(start)s to %(end)s (%(count)s %(unit)s)",
            unit=unit,
            weeks=RECENT_WEEKS,
            start=periods[0],
            end=periods[-1],
            count=len(periods),
        ),
        row(*heads),
    ]
    lines += [row(s.store, s.first_date, s.last_date, s.unreported) for s in status.stores]
    text = _(
        "Complete through %(date)s (the newest date every store has reported)", date=status.complete_through
    )
    if status.behind:
        named = ", ".join(
            _("%(store)s (last report %(date)s)", store=s.store, date=s.last_date) for s in status.behind
        )
        text += _("; behind: %(stores)s", stores=named)
    elif status.silent:
        text += _("; every other store reported through the newest date")
    else:
        text += _("; every store reported through the newest date")
    if status.silent:
        named = ", ".join(
            _("%(store)s (last report %(date)s)", store=s.store, date=s.last_date) for s in status.silent
        )
        text += _("; silent long enough to count as closed: %(stores)s", stores=named)
    return [*lines, text]


@data_cli.command("status")
def status_cmd() -> None:
    """Per store: first and last reported date, unreported periods of the last 8 weeks; complete through."""
    services = get_services()
    status = data_status(services.engine, silent_days=services.config.store_silent_days)
    for line in status_lines(status):
        click.echo(line)


@data_cli.command("undo")
@click.argument("upload_id", type=int)
@click.option("--user", "actor", default="cli", show_default=True, help="Name recorded in the audit log.")
def undo_cmd(upload_id: int, actor: str) -> None:
    """Undo an upload: restore the values it replaced and delete the rows it added; exit 1 if refused."""
    outcome = undo.undo_upload(get_services(), upload_id, actor=actor)
    if outcome.done is None:
        reason = outcome.refusal_text(get_services().config.language)
        click.echo(_("Refused: %(reason)s; nothing was changed.", reason=reason), err=True)
        sys.exit(1)
    done = outcome.done
    click.echo(
        _(
            "Upload %(id)s (%(file)s) undone: %(restores)s values restored, %(deletes)s rows deleted.",
            id=done.upload_id,
            file=done.filename,
            restores=done.restores,
            deletes=done.deletes,
        )
    )
    _echo_published(outcome.published)
