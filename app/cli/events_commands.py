"""``events import FILE`` and ``events list``: the events calendar (promotions…) used as model features."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.services import get_services
from services.events import EventsFileError, import_events, list_events

events_cli = AppGroup(
    "events", help="Import or list the events calendar (promotions and other dated events)."
)


@events_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "actor", default="cli", show_default=True, help="Name recorded as the importer.")
def import_cmd(path: Path, actor: str) -> None:
    """Replace the events calendar with PATH (CSV or XLSX: date, name, optional store); exit 1 if bad."""
    try:
        result = import_events(get_services(), path.read_bytes(), path.name, actor=actor)
    except EventsFileError as exc:
        click.echo(exc.text(get_services().config.language), err=True)
        sys.exit(1)
    click.echo(
        f"{result.file}: {result.rows} rows read, {result.events} events stored "
        f"({result.replaced} previous events replaced); used from the next training"
    )


@events_cli.command("list")
def list_cmd() -> None:
    """Print the stored events as CSV: date,name,store (empty store = every store)."""
    frame = list_events(get_services())
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    click.echo(frame.to_csv(index=False).rstrip("\n"))
