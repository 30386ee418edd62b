"""Command line: ``flask --app wsgi <command>`` (CONTRACT §3). Each group lives in its own module."""

from __future__ import annotations

import functools
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext

from app.services import get_services
from data.db import has_schema

NO_DATABASE_NEEDED = {"init"}


def loading_for_a_cli_command() -> bool:
    """True when ``flask --app wsgi <command>`` is loading the app to look up one of our commands.

    Such a process signs no session cookie, so it needs no secret key: a shell opened next to a
    production server (or next to ``make run``) can run ``forecast`` or ``retrain`` without one.
    ``flask run``, gunicorn and plain imports are not CLI commands and keep the strict rule.
    """
    ctx = click.get_current_context(silent=True)
    return ctx is not None and isinstance(ctx.command, click.Group)


def register_commands(server: Flask) -> None:
    """Attach every command group to the Flask server's CLI."""
    from app.cli.core_commands import init_cmd, users_cli

    server.cli.add_command(init_cmd)
    server.cli.add_command(users_cli)
    _register_optional(server)


def _register_optional(server: Flask) -> None:
    """Command groups owned by other modules (data, models, operations)."""
    from app.cli.data_commands import data_cli

    server.cli.add_command(data_cli)

    from app.cli.model_commands import forecast_cmd, models_cli, train_cmd

    server.cli.add_command(train_cmd)
    server.cli.add_command(models_cli)
    server.cli.add_command(forecast_cmd)

    from app.cli.ops_commands import jobs_cli, retrain_cmd

    server.cli.add_command(retrain_cmd)
    server.cli.add_command(jobs_cli)

    from app.cli.monitor_commands import monitor_cmd

    server.cli.add_command(monitor_cmd)

    from app.cli.events_commands import events_cli

    server.cli.add_command(events_cli)

    from app.cli.token_commands import tokens_cli

    server.cli.add_command(tokens_cli)
    for name, command in server.cli.commands.items():
        if name not in NO_DATABASE_NEEDED:
            _require_database(command)


def _require_database(command: click.Command) -> None:
    """Make ``command`` (and a group's subcommands) say so clearly when the database was never created,
    instead of failing deep inside with "no such table". Idempotent: commands are shared by apps."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _require_database(sub)
        return
    callback = command.callback
    if callback is None or getattr(callback, "requires_database", False):
        return

    @with_appcontext
    @functools.wraps(callback)
    def checked(*args: Any, **kwargs: Any) -> Any:
        engine = get_services().engine
        if not has_schema(engine):
            raise click.ClickException(
                f"the database {engine.url.render_as_string(hide_password=True)} has no Trend Sales tables "
                "yet: run `flask --app wsgi init` (or `make run`) first"
            )
        return callback(*args, **kwargs)

    checked.requires_database = True  # type: ignore[attr-defined]
    command.callback = checked
