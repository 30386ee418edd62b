"""Application factory: ``create_app(config)`` returns the Dash app with its Flask server ready.

The factory is a short list of named steps so each can be read (and tested) on its own.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from dash import Dash
from flask import Flask, jsonify

from app.config import PROJECT_ROOT, load_config
from app.dashboard import create_dash
from app.extensions import csrf, login_manager
from app.security import install_security
from app.services import EXTENSION_KEY, Services
from data.db import has_schema, make_engine, make_session_factory

log = logging.getLogger("trendsales")


def configure_logging() -> None:
    """Log to stderr once, with timestamps and the process id (useful under gunicorn)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=os.environ.get("TRENDSALES_LOG_LEVEL", "INFO"),
            format="%(asctime)s %(levelname)s [pid %(process)d] %(name)s: %(message)s",
        )
    logging.getLogger("alembic").setLevel(logging.WARNING)


def create_server(config: dict[str, Any]) -> Flask:
    """The Flask server with its configuration and templates."""
    server = Flask("app", root_path=str(PROJECT_ROOT / "app"), instance_path=config["INSTANCE_DIR"])
    server.config.update(config)
    return server


def register_services(server: Flask, config: dict[str, Any]) -> Services:
    """Create the database engine and the services bundle for this app."""
    engine = make_engine(config["DATABASE_URL"])
    services = Services(config=config, engine=engine, sessions=make_session_factory(engine))
    server.extensions[EXTENSION_KEY] = services
    return services


def register_extensions(server: Flask) -> None:
    """Bind flask-login and CSRF protection (after the access guard, so anonymous calls get 401)."""
    login_manager.init_app(server)
    csrf.init_app(server)


def register_blueprints(server: Flask, services: Services) -> None:
    """Auth pages and the public health check."""
    from app.auth import bp as auth_bp

    server.register_blueprint(auth_bp)

    @server.get("/healthz", endpoint="healthz")
    def healthz() -> Any:
        holder = services.holder
        return jsonify(
            status="ok",
            pid=os.getpid(),
            database=has_schema(services.engine),
            masters=holder.versions() if holder is not None else {},
        )


def register_cli(server: Flask) -> None:
    """Attach the ``flask --app wsgi …`` commands."""
    from app.cli import register_commands

    register_commands(server)


def create_app(config: dict[str, Any] | None = None) -> Dash:
    """Build an isolated Trend Sales app; ``config`` overrides environment settings (tests use it)."""
    configure_logging()
    settings = load_config(config)
    server = create_server(settings)
    services = register_services(server, settings)
    dash_app = create_dash(server, services)
    install_security(server, list(dash_app.csp_hashes()))
    register_extensions(server)
    register_blueprints(server, services)
    register_cli(server)
    return dash_app
