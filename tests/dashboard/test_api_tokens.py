"""API tokens and store scopes through the real app: Bearer on /api/* only, expiry, revocation, 403."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import update

from data.accounts import create_user
from data.db import session_scope
from data.schema import ApiToken, AuditEvent
from services import tokens
from services.scoping import set_user_scope
from tests.app.conftest import login
from tests.support.apps import make_test_app

PASSWORD = "scoped-pass-123"


@pytest.fixture
def app(trained_engine, tmp_path: Path):
    """An app from the factory on the trained database."""
    instance = Path(trained_engine.url.database).parent
    app = make_test_app(tmp_path, DATABASE_URL=str(trained_engine.url), MODEL_DIR=str(instance / "models"))
    yield app
    app.server.extensions["trendsales"].engine.dispose()


@pytest.fixture
def services(app):
    return app.server.extensions["trendsales"]


@pytest.fixture
def stores(cache) -> tuple[str, str]:
    first, second = cache.get().stores[:2]
    return first, second


@pytest.fixture
def manager(services, stores) -> str:
    """A fresh manager limited to the first store (the shared database keeps other users unchanged)."""
    name = f"m{uuid.uuid4().hex[:10]}"
    with session_scope(services.sessions) as session:
        create_user(session, name, PASSWORD, role="manager")
    set_user_scope(services.sessions, name, [stores[0]], known_stores=stores, actor="test")
    return name


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def query(store: str | None = None) -> dict[str, object]:
    return {"level": "store", "series": f"store={store or '*'}", "horizon": 3, "freq": "W"}


def new_secret(services, owner: str, **kwargs) -> str:
    return tokens.create_token(
        services.sessions, owner, "bi", expires_days=kwargs.pop("days", 30), actor=owner, **kwargs
    ).secret


def test_a_token_reads_the_api_as_its_owner(app, services, manager, stores):
    client = app.server.test_client()
    secret = new_secret(services, manager)
    mine = client.get("/api/forecast", query_string=query(stores[0]), headers=bearer(secret))
    assert mine.status_code == 200, mine.get_json()
    together = client.get("/api/forecast", query_string=query(), headers=bearer(secret))
    assert together.get_json()["rows"] == mine.get_json()["rows"]  # "all stores" = my stores
    assert "Set-Cookie" not in together.headers or "session=" not in together.headers["Set-Cookie"]
    other = client.get("/api/forecast", query_string=query(stores[1]), headers=bearer(secret))
    assert other.status_code == 403 and "not available to you" in other.get_json()["error"]
    listed = tokens.list_tokens(services.sessions, manager)
    assert listed[0].last_used_at is not None and listed[0].state() == "active"


def test_a_token_is_refused_outside_the_api(app, services, manager):
    client = app.server.test_client()
    headers = bearer(new_secret(services, manager))
    assert client.get("/", headers=headers).status_code == 302  # to the login page
    dash = client.post("/_dash-update-component", json={}, headers=headers)
    assert dash.status_code in (400, 401)  # anonymous: the CSRF check or the login guard refuses
    assert client.get("/_dash-layout", headers=headers).status_code == 401
    post = client.post("/api/forecast", query_string=query(), headers=headers)
    assert post.status_code in (400, 405)  # only GET endpoints exist: no CSRF-free write


def test_expired_revoked_and_unknown_tokens_are_refused(app, services, manager):
    client = app.server.test_client()
    expired = new_secret(services, manager)
    with session_scope(services.sessions) as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.secret_hash == tokens.access.secret_hash(expired))
            .values(expires_at=dt.datetime(2020, 1, 1))
        )
    revoked = tokens.create_token(services.sessions, manager, "old", expires_days=None, actor=manager)
    tokens.revoke_token(services.sessions, revoked.info.id, actor=manager)
    for secret in (expired, revoked.secret, "ts_" + "x" * 43, "nonsense"):
        answer = client.get("/api/forecast", query_string=query(), headers=bearer(secret))
        assert answer.status_code == 401, secret
    with services.sessions() as session:
        actions = [e.action for e in session.query(AuditEvent).filter(AuditEvent.actor == manager)]
    assert "token_created" in actions and "token_revoked" in actions


def test_tokens_are_rate_limited_per_token():
    now = [0.0]
    limiter = tokens.RateLimiter(2, clock=lambda: now[0])
    assert limiter.allow(1) and limiter.allow(1) and not limiter.allow(1) and limiter.allow(2)
    now[0] = 61.0
    assert limiter.allow(1)


def test_a_manager_manages_only_own_tokens(services, manager):
    with pytest.raises(tokens.TokenError):
        tokens.create_token(services.sessions, "marta", "x", expires_days=1, actor=manager)
    other = tokens.create_token(services.sessions, "marta", "svc", expires_days=1, actor="cli", system=True)
    with pytest.raises(tokens.TokenError):
        tokens.revoke_token(services.sessions, other.info.id, actor=manager)


def test_session_users_are_scoped_too_and_admins_are_not(app, manager, stores):
    client = app.server.test_client()
    assert login(client, manager, PASSWORD).status_code == 302
    assert client.get("/api/forecast", query_string=query(stores[1])).status_code == 403
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1") and set(spec["paths"]["/api/forecast"]["get"]["responses"]) >= {
        "200",
        "400",
        "401",
        "403",
    }
    params = {p["name"]: p["schema"] for p in spec["paths"]["/api/forecast"]["get"]["parameters"]}
    assert params["freq"]["enum"] == ["D", "W", "M", "Q"]  # the frequency table's codes, in its order
    assert app.server.test_client().get("/api/openapi.json").status_code == 401


def test_admins_see_every_store(app, services, stores):
    name = f"a{uuid.uuid4().hex[:10]}"
    with session_scope(services.sessions) as session:
        create_user(session, name, PASSWORD, role="admin")
    secret = tokens.create_token(services.sessions, name, "ops", expires_days=1, actor=name).secret
    answer = app.server.test_client().get(
        "/api/forecast", query_string=query(stores[1]), headers=bearer(secret)
    )
    assert answer.status_code == 200
