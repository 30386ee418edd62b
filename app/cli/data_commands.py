"""``data import PATH…`` and ``data sample`` commands (CONTRACT §2–3)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.services import get_services
from data.storage import ImportResult, import_sales_files
from data.validation import SalesFileError

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
    services = get_services()
    try:
        results = import_sales_files(
            services.engine,
            paths,
            uploaded_by=uploaded_by,
            upload_dir=services.config.upload_dir,
            max_bytes=services.config.max_upload_bytes,
            progress=None if quiet else _progress,
        )
    except SalesFileError as err:
        for problem in err.problems:
            click.echo(str(problem), err=True)
        if err.omitted:
            click.echo(f"... and {err.omitted} more problems not listed", err=True)
        click.echo(f"Rejected: {err.total} problem(s); no sales data was changed.", err=True)
        sys.exit(1)
    for result in results:
        _echo_result(result)


@data_cli.command("sample")
@click.option("--seed", default=7, show_default=True, type=int, help="Seed of the generated demo dataset.")
def sample_cmd(seed: int) -> None:
    """Load the embedded demo dataset (generated from ``--seed``) through the regular importer."""
    from data.demo import load_demo_data

    services = get_services()
    result = load_demo_data(services.engine, seed=seed, upload_dir=services.config.upload_dir)
    if isinstance(result, ImportResult):
        _echo_result(result)
    else:
        click.echo(f"Demo data loaded: {result}")
