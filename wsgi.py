"""WSGI entry point: ``gunicorn wsgi:server`` (and ``flask --app wsgi …`` for the CLI)."""

from app import create_app
from app.cli import loading_for_a_cli_command

# A CLI command signs nothing, so it may run without TRENDSALES_SECRET_KEY; serving never does.
app = create_app({"CLI_COMMAND": True} if loading_for_a_cli_command() else None)
server = app.server
