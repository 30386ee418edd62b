"""A trained demo instance set up for the hostile-user probes, served by a real gunicorn.

``prepare`` builds it (a store named with HTML, an admin, a manager, a manager limited to one store,
her API tokens — valid, expired, revoked — and an events calendar with an event of another store and
an event named with HTML); ``probe_server`` serves it and runs ``tests.support.probe_suite``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import update

from app.config import Settings
from components.admin import admin_page
from data.accounts import create_user
from data.db import make_engine, make_session_factory, session_scope
from data.schema import ApiToken
from services.events import import_events
from services.scoping import set_user_scope, store_names
from services.tokens import create_token, revoke_token
from tests.browser.forecast_server import MANAGER, build_trained_instance
from tests.support.apps import make_test_app
from tests.support.live_server import app_environment, start_server
from tests.support.probe_suite import run_probes
from tests.support.probes import Probes, ProbeSetup

ADMIN = ("probe-admin", "probe-admin-pass-123")
SCOPED = ("lucia", "lucia-pass-123")
MINE, OTHER = "Loja Centro", "Loja Parque"
MARKUP_STORE = '<a href="https://evil.example/login">Loja Oeste</a>'
OTHER_EVENT = "Only-in-Parque"
MARKUP_EVENT = '<a href="https://evil.example/">Promo</a>'
PRODUCT = "Arroz Tipo 1 5kg"
RATE_LIMIT = 20
LOGIN_LIMIT = 5


def layout_ids(component: object) -> set[str]:
    """Every string id in a Dash layout tree."""
    found: set[str] = set()
    ident = getattr(component, "id", None)
    if isinstance(ident, str):
        found.add(ident)
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found |= layout_ids(child)
    return found


def app_routes(folder: Path) -> list[tuple[str, str]]:
    """(method, path) of every Flask rule of the app (placeholders filled), plus Dash's internals."""
    app = make_test_app(folder)
    fill = {"upload_id": "1", "version_id": "v1", "ext": "md", "token_id": "1", "path": "no/such/page"}
    routes = []
    with app.server.test_request_context():
        for rule in app.server.url_map.iter_rules():
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<{name}>", fill.get(name, "x"))
                for kind in ("int", "path", "string"):
                    path = path.replace(f"<{kind}:{name}>", fill.get(name, "x"))
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                routes.append((method, path))
    app.server.extensions["trendsales"].engine.dispose()
    extra = [("GET", "/_dash-component-suites/dash/dcc/dash_core_components.js"), ("GET", "/admin")]
    return sorted(set(routes) | set(extra))


def admin_ids() -> frozenset[str]:
    """The component ids of the admin page and the admin-only drift line."""
    return frozenset(layout_ids(admin_page()) | {"admin-drift"})


def events_csv() -> bytes:
    """An events calendar: one chain-wide event named with HTML, one of the other store, one of mine."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["date", "name", "store"])
    writer.writerow(["2025-06-11", MARKUP_EVENT, ""])
    writer.writerow(["2025-06-18", OTHER_EVENT, OTHER])
    writer.writerow(["2025-06-04", "Centro-day", MINE])
    return buffer.getvalue().encode()


def prepare(instance: Path) -> dict[str, str]:
    """Train the demo instance and add the accounts, scope, tokens and events; return the tokens."""
    build_trained_instance(instance, store_names={"Loja Oeste": MARKUP_STORE})
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    sessions = make_session_factory(engine)
    try:
        with session_scope(sessions) as session:
            create_user(session, ADMIN[0], ADMIN[1], role="admin")
            create_user(session, SCOPED[0], SCOPED[1], role="manager")
        set_user_scope(sessions, SCOPED[0], [MINE], known_stores=store_names(engine), actor="probe")
        made = {
            name: create_token(sessions, SCOPED[0], name, expires_days=1, actor="probe", system=True)
            for name in ("valid", "expired", "revoked")
        }
        with session_scope(sessions) as session:
            session.execute(
                update(ApiToken)
                .where(ApiToken.id == made["expired"].info.id)
                .values(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
            )
        revoke_token(sessions, made["revoked"].info.id, actor="probe", system=True)
        services = SimpleNamespace(engine=engine, sessions=sessions, config=Settings())
        import_events(services, events_csv(), "events.csv", actor="probe")
    finally:
        engine.dispose()
    return {name: token.secret for name, token in made.items()}


def probe_server(workers: int = 2, log_copy: Path | None = None) -> Probes:
    """Build the instance, serve it with gunicorn, run every probe, stop the server (its log copied to
    ``log_copy`` when given)."""
    with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        root = Path(tmp)
        (root / "instance").mkdir()
        (root / "routes").mkdir()
        tokens = prepare(root / "instance")
        routes = app_routes(root / "routes")
        env = app_environment(
            root / "instance",
            TRENDSALES_ADMIN_PASSWORD=ADMIN[1],
            TRENDSALES_API_RATE_PER_MINUTE=str(RATE_LIMIT),
            TRENDSALES_LOGIN_MAX_FAILURES=str(LOGIN_LIMIT),
            TRENDSALES_LOG_LEVEL="INFO",
        )
        server = start_server(env, workers=workers, timeout=120)
        try:
            setup = ProbeSetup(
                url=server.url,
                admin=ADMIN,
                manager=MANAGER,
                scoped=SCOPED,
                mine=MINE,
                other=OTHER,
                markup_store=MARKUP_STORE,
                token=tokens["valid"],
                expired_token=tokens["expired"],
                revoked_token=tokens["revoked"],
                other_event=OTHER_EVENT,
                markup_event=MARKUP_EVENT,
                admin_ids=admin_ids(),
                product=PRODUCT,
                rate_limit=RATE_LIMIT,  # shared by the workers (services.tokens.SharedRateLimiter)
                login_limit=LOGIN_LIMIT,
            )
            probes = run_probes(setup, routes)
            log = server.log()
        finally:
            server.stop()
    if log_copy is not None:
        log_copy.write_text(log)
    tracebacks = log.count("Traceback (most recent call last)")
    probes.add("server log", "no traceback in the gunicorn log", tracebacks == 0, f"{tracebacks} tracebacks")
    return probes
