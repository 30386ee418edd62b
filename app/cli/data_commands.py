"""``data import PATH…`` and ``data sample`` commands (CONTRACT §2–3)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.services import get_services
from data.storage import ImportResult
from services import imports

data_cli = AppGroup("data", help="Import sales files or load the demo dataset.")


def _echo_result(result: ImportResult) -> None:
    click.echo(
        f"{result.filename}: {result.status} — {result.rows_read} rows read, {result.rows_new} new, "
        f"{result.rows_replaced} replaced, {result.rows_unchanged} unchanged; "
        f"frequency {result.frequency or '-'}"
        + (f"; dates {result.date_min} to {result.date_max}" if result.date_min else "")
        + (f" ({result.note})" if result.note else "")
    )


def _progress(step: int, total: int, label: str) -> None:
    if total > 1 and step < total:
        click.echo(f"  {label}: {step:,}/{total:,}", err=True)


@data_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--user", "uploaded_by", default="cli", show_default=True, help="Name recorded as the uploader."
)
@click.option("--quiet", is_flag=True, help="Do not report progress on stderr.")
def import_cmd(paths: tuple[Path, ...], uploaded_by: str, quiet: bool) -> None:
    """Import sales files (CSV or XLSX) all-or-nothing; on a bad file list every problem and exit 1."""
    outcome = imports.import_sales(
        get_services(), paths, actor=uploaded_by, progress=None if quiet else _progress
    )
    if outcome.rejection is not None:
        for problem in outcome.rejection.problems:
            click.echo(str(problem), err=True)
        if outcome.rejection.omitted:
            click.echo(f"... and {outcome.rejection.omitted} more problems not listed", err=True)
        click.echo(f"Rejected: {outcome.rejection.total} problem(s); no sales data was changed.", err=True)
        sys.exit(1)
    for result in outcome.results:
        _echo_result(result)


@data_cli.command("sample")
@click.option("--seed", default=7, show_default=True, type=int, help="Seed of the generated demo dataset.")
def sample_cmd(seed: int) -> None:
    """Load the embedded demo dataset (generated from ``--seed``) through the regular importer."""
    _echo_result(imports.load_demo(get_services(), actor="cli", seed=seed))
