"""Application factory: ``create_app(config)`` returns the Dash app with its Flask server ready.

The factory is a short list of named steps so each can be read (and tested) on its own.
"""

from __future__ import annotations

import logging
from typing import Any

from dash import Dash
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.admin_routes import register_admin_routes
from app.config import PROJECT_ROOT, Settings, load_config
from app.dashboard import create_dash, finish_dash_setup, install_callback_checks
from app.extensions import csrf, login_manager
from app.health import register_health_routes
from app.i18n import init_i18n
from app.security import install_security
from app.services import EXTENSION_KEY, Services
from data.db import make_engine, make_session_factory
from models.holder import ModelHolder
from services.retraining import retrain_after_refusal

log = logging.getLogger("trendsales")


def configure_logging(level: str) -> None:
    """Log to stderr once, with timestamps and the process id (useful under gunicorn)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=level,
            format="%(asctime)s %(levelname)s [pid %(process)d] %(name)s: %(message)s",
        )
    for noisy in ("alembic", "apscheduler"):  # per-tick INFO lines drown the useful ones
        logging.getLogger(noisy).setLevel(logging.WARNING)


def create_server(settings: Settings) -> Flask:
    """The Flask server with its configuration and templates."""
    server = Flask("app", root_path=str(PROJECT_ROOT / "app"), instance_path=settings.instance_dir)
    server.config.update(settings.flask_config())
    return server


def trust_proxies(server: Flask, settings: Settings) -> None:
    """Behind ``PROXY_FIX`` trusted reverse proxies, take the client's address, scheme and host from
    their X-Forwarded-* headers (so throttling and audit see the client); with 0 the headers are ignored."""
    hops = settings.proxy_fix
    if hops > 0:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_services(server: Flask, settings: Settings) -> Services:
    """Create the database engine and the services bundle for this app."""
    engine = make_engine(settings.database_url)
    services = Services(config=settings, engine=engine, sessions=make_session_factory(engine))
    server.extensions[EXTENSION_KEY] = services
    return services


def attach_model_holder(services: Services) -> ModelHolder:
    """Give this process its MASTER model holder (lazy registry check every MODEL_POLL_SECONDS;
    published snapshots served per series when FORECAST_SERVE_STORE; a refused artifact format queues
    a retrain)."""
    config = services.config
    holder = ModelHolder(
        services.engine,
        poll_seconds=config.model_poll_seconds,
        serve_store=config.forecast_serve_store,
        cache_series=config.forecast_cache_series,
        cache_bytes=int(config.forecast_cache_mb * 2**20),
        on_refused=lambda level, version, error: retrain_after_refusal(services, level, version, error),
    )
    services.extras["holder"] = holder
    return holder


def start_background(services: Services) -> None:
    """In a serving process only (gunicorn's post_worker_init): poll for new MASTERs in a thread and,
    when SCHEDULER_ENABLED, start the scheduler. Never called at import time or by the CLI."""
    services.holder.start_polling()
    if services.config.scheduler_enabled and "scheduler" not in services.extras:
        from scheduler.runner import start_scheduler

        services.extras["scheduler"] = start_scheduler(services)


def stop_background(services: Services) -> None:
    """Stop what ``start_background`` started (a running training is failed, the lease released)."""
    runner = services.extras.pop("scheduler", None)
    if runner is not None:
        runner.shutdown()
    services.holder.stop_polling()


def register_extensions(server: Flask) -> None:
    """Bind flask-login, CSRF protection (after the access guard, so anonymous calls get 401) and
    Flask-Babel (each request's language and time zone, the language switch)."""
    login_manager.init_app(server)
    csrf.init_app(server)
    init_i18n(server)


def register_blueprints(server: Flask, services: Services) -> None:
    """Auth pages, the API, the public health check and its admin-only detail."""
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.tokens_page import bp as tokens_bp

    server.register_blueprint(auth_bp)
    server.register_blueprint(api_bp)
    server.register_blueprint(tokens_bp)

    register_health_routes(server, services)


def register_cli(server: Flask) -> None:
    """Attach the ``flask --app wsgi …`` commands."""
    from app.cli import register_commands

    register_commands(server)


def create_app(config: dict[str, Any] | None = None) -> Dash:
    """Build an isolated Trend Sales app; ``config`` overrides environment settings (tests use it)."""
    settings = load_config(config)
    configure_logging(settings.log_level)
    server = create_server(settings)
    trust_proxies(server, settings)
    services = register_services(server, settings)
    attach_model_holder(services)
    dash_app = create_dash(server, services)
    install_security(server, settings, list(dash_app.csp_hashes()))
    register_extensions(server)
    install_callback_checks(dash_app)
    register_blueprints(server, services)
    register_admin_routes(server)
    register_cli(server)
    finish_dash_setup(dash_app)
    return dash_app
