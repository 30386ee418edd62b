"""Command line: ``flask --app wsgi <command>`` (CONTRACT §3). Each group lives in its own module."""

from __future__ import annotations

from flask import Flask


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
