"""Login, passwords, throttling, forced password change, access requests and admin rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from data import accounts
from data.db import session_scope
from data.schema import LoginAttempt, User
from tests.app.conftest import ADMIN_PASSWORD, MANAGER_PASSWORD, csrf_from, login, logout
from tests.support.apps import make_test_app
from tests.support.races import (
    assert_concurrent_admin_deactivations_keep_one,
    assert_concurrent_wrong_passwords_are_throttled,
)


def _sessions(server):
    return server.extensions["trendsales"].sessions


def test_passwords_are_hashed_with_scrypt(server):
    with _sessions(server)() as session:
        user = accounts.find_user(session, "manager")
    assert user.password_hash.startswith("scrypt:")
    assert MANAGER_PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, MANAGER_PASSWORD)


def test_wrong_password_is_refused_and_recorded(client, server):
    response = login(client, "manager", "not-the-password")
    assert response.status_code == 401
    assert "Wrong user name or password" in response.get_data(as_text=True)
    assert client.get("/store").status_code == 302
    with _sessions(server)() as session:
        attempts = session.query(LoginAttempt).filter_by(username="manager").all()
    assert [a.success for a in attempts] == [False]


def test_login_form_requires_csrf_token(client):
    client.get("/login")
    response = client.post("/login", data={"username": "manager", "password": MANAGER_PASSWORD})
    assert response.status_code == 400
    # The form comes back (with a fresh token and the name kept) and says why; nobody is logged in.
    page = response.get_data(as_text=True)
    assert "The form had expired" in page and 'value="manager"' in page
    token = csrf_from(page)
    assert (
        client.post(
            "/login", data={"username": "manager", "password": MANAGER_PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )
    assert client.get("/store").status_code == 200


def test_repeated_failures_lock_the_account_for_a_while(client, server):
    limit = server.extensions["trendsales"].config.login_max_failures
    for attempt in range(limit):
        name = " Manager" if attempt % 2 else "manager"  # spelling variants count as the same user
        assert login(client, name, "wrong-password").status_code == 401
    response = login(client, "manager", MANAGER_PASSWORD)
    assert response.status_code == 401
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert "Try again in 15 minutes" in response.get_data(as_text=True)


def test_the_throttle_message_is_in_the_reader_s_language(tmp_path):
    """pt-BR (the default language) reads the throttle in Portuguese, with the window's minutes."""
    app = make_test_app(tmp_path, LANGUAGE="pt_BR", LOGIN_MAX_FAILURES=1, LOGIN_WINDOW_MINUTES=7)
    client = app.server.test_client()
    assert login(client, "nobody", "wrong-password").status_code == 401
    page = login(client, "nobody", "wrong-password").get_data(as_text=True)
    assert "Muitas tentativas sem sucesso. Tente de novo em 7 minutos." in page
    app.server.extensions["trendsales"].engine.dispose()


def test_next_parameter_cannot_redirect_off_site(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={
            "username": "manager",
            "password": MANAGER_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["Location"] == "/"


def test_next_parameter_keeps_a_local_view(client):
    token = csrf_from(client.get("/login?next=/product").get_data(as_text=True))
    response = client.post(
        "/login?next=/product",
        data={"username": "manager", "password": MANAGER_PASSWORD, "csrf_token": token, "next": "/product"},
    )
    assert response.headers["Location"] == "/product"


def test_logout_ends_the_session(manager_client):
    assert manager_client.get("/store").status_code == 200
    logout(manager_client)
    assert manager_client.get("/store").status_code == 302


def test_logout_needs_a_post_with_the_token_and_ends_copies_of_the_cookie(server, manager_client):
    # A GET (a link or an image on another site) only shows the confirmation form.
    page = manager_client.get("/logout")
    assert page.status_code == 200 and 'action="/logout"' in page.get_data(as_text=True)
    assert manager_client.get("/store").status_code == 200
    assert manager_client.post("/logout").status_code == 400  # no CSRF token: still logged in
    assert manager_client.get("/store").status_code == 200
    # A copy of the session cookie (another device, or a stolen one) stops working at logout too.
    copy = server.test_client()
    copy.set_cookie("session", manager_client.get_cookie("session").value)
    assert copy.get("/store").status_code == 200
    logout(manager_client)
    assert copy.get("/store").status_code == 302


def test_session_ends_session_hours_after_login_even_when_used(server, manager_client, monkeypatch):
    import app.security as security

    hours = server.extensions["trendsales"].config.session_hours
    now = security.time.time()
    monkeypatch.setattr(security.time, "time", lambda: now + hours * 3600 - 60)
    assert manager_client.get("/store").status_code == 200  # used (and renewed) a minute before the end
    monkeypatch.setattr(security.time, "time", lambda: now + hours * 3600 + 60)
    refused = manager_client.get("/store")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert manager_client.post("/_dash-update-component", json={}).status_code == 401


def test_login_issues_a_new_csrf_token(client):
    before = csrf_from(client.get("/login").get_data(as_text=True))
    assert login(client, "manager", MANAGER_PASSWORD).status_code == 302
    client.get("/store")
    after = client.get_cookie("_csrf_token").value
    assert after and after != before
    # The token from before the login no longer passes on a callback.
    refused = client.post("/_dash-update-component", json={}, headers={"X-CSRFToken": before})
    assert refused.status_code == 400


def test_unknown_user_names_cost_a_password_check_too(client, monkeypatch):
    checked = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: checked.append(h) or real_check(h, p))
    login(client, "manager", "wrong-password-1")
    login(client, "nobody-by-this-name", "wrong-password-1")
    # Both answers do one scrypt check, so timing does not tell which names exist.
    assert len(checked) == 2 and all(h.startswith("scrypt:") for h in checked)


def test_reset_password_forces_a_change_then_old_sessions_end(server, client):
    other = server.test_client()
    assert login(other, "manager", MANAGER_PASSWORD).status_code == 302
    with session_scope(_sessions(server)) as session:
        temporary = accounts.reset_password(session, "manager", actor="admin")
    assert other.get("/store").status_code == 302  # the reset ended the existing session
    assert login(client, "manager", temporary).headers["Location"] == "/account/password"
    assert client.get("/store").headers["Location"] == "/account/password"
    assert client.get("/_dash-layout").status_code == 403
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    response = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": temporary,
            "new_password": "brand-new-pass-1",
            "confirm_password": "brand-new-pass-1",
        },
    )
    assert response.status_code == 302
    assert client.get("/store").status_code == 200
    logout(client)
    assert login(client, "manager", "brand-new-pass-1").status_code == 302


def test_change_password_rejects_wrong_current_and_short_passwords(manager_client):
    token = csrf_from(manager_client.get("/account/password").get_data(as_text=True))
    for current, new, message in [
        ("wrong-current", "long-enough-1", "current password is wrong"),
        (MANAGER_PASSWORD, "short", "at least 8"),
    ]:
        response = manager_client.post(
            "/account/password",
            data={
                "csrf_token": token,
                "current_password": current,
                "new_password": new,
                "confirm_password": new,
            },
        )
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_access_request_creates_inactive_account_until_approved(client, server):
    token = csrf_from(client.get("/request-access").get_data(as_text=True))
    response = client.post(
        "/request-access",
        data={
            "csrf_token": token,
            "username": "newbie",
            "password": "newbie-pass-1",
            "confirm_password": "newbie-pass-1",
        },
    )
    assert response.status_code == 302
    refused = login(client, "newbie", "newbie-pass-1")
    assert refused.status_code == 401
    assert "waiting for an administrator" in refused.get_data(as_text=True)
    with session_scope(_sessions(server)) as session:
        assert [u.username for u in accounts.pending_requests(session)] == ["newbie"]
        accounts.approve_request(session, "newbie", actor="admin")
    assert login(client, "newbie", "newbie-pass-1").status_code == 302


def test_access_request_keeps_the_name_and_note_on_a_password_mismatch(client):
    token = csrf_from(client.get("/request-access").get_data(as_text=True))
    note = "Gerente da Loja Centro <precisa> dos relatórios"
    form = {
        "csrf_token": token,
        "username": "newbie",
        "password": "newbie-pass-1",
        "confirm_password": "newbie-pass-2",
        "note": note,
    }
    response = client.post("/request-access", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "The two passwords differ." in page
    assert 'value="newbie"' in page
    assert ">Gerente da Loja Centro &lt;precisa&gt; dos relatórios</textarea>" in page  # kept, escaped


def test_access_requests_are_limited_per_address(client, server):
    limit = server.extensions["trendsales"].config.login_max_failures

    def ask(name: str):
        token = csrf_from(client.get("/request-access").get_data(as_text=True))
        form = {
            "csrf_token": token,
            "username": name,
            "password": "long-pass-123",
            "confirm_password": "long-pass-123",
        }
        return client.post("/request-access", data=form)

    assert ask("manager").status_code == 400  # a taken name counts too
    for i in range(limit - 1):
        assert ask(f"newcomer{i}").status_code == 302
    refused = ask("one-too-many")
    assert refused.status_code == 400 and "Too many access requests" in refused.get_data(as_text=True)
    with _sessions(server)() as session:
        assert accounts.find_user(session, "one-too-many") is None


def test_nobody_deactivates_their_own_account(server):
    with session_scope(_sessions(server)) as session:
        accounts.create_user(session, "admin2", ADMIN_PASSWORD, role="admin")
    for name in ("admin", "manager"):
        with (
            session_scope(_sessions(server)) as session,
            pytest.raises(accounts.AccountError, match="your own account"),
        ):
            accounts.set_active(session, name, False, actor=name.upper())
    with _sessions(server)() as session:
        assert accounts.find_user(session, "admin").active and accounts.find_user(session, "manager").active


def test_last_active_admin_cannot_be_deactivated(server):
    with (
        session_scope(_sessions(server)) as session,
        pytest.raises(accounts.AccountError, match="last active"),
    ):
        accounts.set_active(session, "admin", False, actor="cli")
    with session_scope(_sessions(server)) as session:
        accounts.create_user(session, "admin2", ADMIN_PASSWORD, role="admin")
        accounts.set_active(session, "admin", False, actor="admin2")
        assert session.query(User).filter_by(username="admin").one().active is False


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("", "long-enough-1", "manager", "empty"),
        ("has space", "long-enough-1", "manager", "without spaces"),
        ("someone", "short", "manager", "at least 8"),
        ("someone", "someone", "manager", "at least 8"),
        ("someone1", "someone1", "manager", "differ from the user name"),
        ("someone", "long-enough-1", "owner", "Unknown role"),
        ("MANAGER", "long-enough-1", "manager", "already exists"),
        ("=HYPERLINK(1)", "long-enough-1", "manager", "must not start with"),
        ("@admin", "long-enough-1", "manager", "must not start with"),
    ],
)
def test_create_user_validation(server, username, password, role, message):
    with session_scope(_sessions(server)) as session, pytest.raises(accounts.AccountError, match=message):
        accounts.create_user(session, username, password, role=role)


def test_two_admins_deactivating_each_other_at_once_leave_one_active(server):
    """The count and the write are one step: concurrent deactivations never leave no active admin."""
    assert_concurrent_admin_deactivations_keep_one(_sessions(server))


def test_concurrent_wrong_passwords_run_at_most_the_limit_of_password_checks(server):
    """Counting and recording an attempt is one step: 20 wrong passwords at once get at most 5 checks."""
    assert_concurrent_wrong_passwords_are_throttled(_sessions(server))


@pytest.mark.parametrize(("hops", "recorded"), [(1, "203.0.113.7"), (0, "127.0.0.1")])
def test_proxy_fix_decides_whether_the_throttle_sees_x_forwarded_for(tmp_path, hops, recorded):
    """With one trusted proxy the attempt is keyed on X-Forwarded-For; with none the header is ignored."""
    app = make_test_app(tmp_path, PROXY_FIX=hops)
    client = app.server.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    token = csrf_from(client.get("/login", headers=forwarded).get_data(as_text=True))
    client.post("/login", data={"username": "x", "password": "y", "csrf_token": token}, headers=forwarded)
    with _sessions(app.server)() as session:
        assert session.scalars(select(LoginAttempt.address)).all() == [recorded]
    app.server.extensions["trendsales"].engine.dispose()
