"""The pages' language: pt-BR by default (TRENDSALES_LANGUAGE), and each user's saved choice."""

from __future__ import annotations

import re

import pytest

from data.accounts import create_user
from data.db import session_scope
from data.schema import User
from tests.support.apps import make_test_app

PASSWORD = "manager-pass-123"


def _app(tmp_path, **overrides):
    app = make_test_app(tmp_path, **overrides)
    with session_scope(app.server.extensions["trendsales"].sessions) as session:
        create_user(session, "ana", PASSWORD, role="manager")
    return app


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _log_in(client):
    token = _token(client.get("/login").get_data(as_text=True))
    assert (
        client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token}).status_code
        == 302
    )


def test_the_default_language_and_time_zone():
    from app.config import Settings

    settings = Settings()
    assert (settings.language, settings.timezone) == ("pt_BR", "America/Sao_Paulo")


def test_login_and_dash_pages_are_pt_br_by_default(tmp_path):
    app = _app(tmp_path, LANGUAGE="pt_BR")
    client = app.server.test_client()
    login = client.get("/login").get_data(as_text=True)
    assert '<html lang="pt-BR">' in login and "Nome de usuário" in login and "User name" not in login
    _log_in(client)
    for path in ("/store", "/category", "/product", "/admin"):
        page = client.get(path).get_data(as_text=True)
        assert page.startswith('<!DOCTYPE html>\n<html lang="pt-BR">'), path


def test_english_default_from_the_setting(tmp_path):
    client = _app(tmp_path, LANGUAGE="en").server.test_client()
    login = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in login and "User name" in login


def test_the_users_choice_persists_across_sessions(tmp_path):
    app = _app(tmp_path, LANGUAGE="pt_BR")
    client = app.server.test_client()
    _log_in(client)
    token = client.get_cookie("_csrf_token").value
    answer = client.post(
        "/account/language",
        data={"language": "en", "csrf_token": token},
        headers={"Referer": "http://localhost/product?store=S1"},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/product?store=S1"
    with session_scope(app.server.extensions["trendsales"].sessions) as session:
        assert session.query(User).filter_by(username="ana").one().language == "en"
    other = app.server.test_client()  # a new browser: the choice is the account's, not the cookie's
    assert '<html lang="pt-BR">' in other.get("/login").get_data(as_text=True)
    _log_in(other)
    assert '<html lang="en">' in other.get("/store").get_data(as_text=True)


@pytest.mark.parametrize("language", ["fr", ""])
def test_an_unknown_language_is_refused_and_nothing_is_stored(tmp_path, language):
    app = _app(tmp_path)
    client = app.server.test_client()
    _log_in(client)
    answer = client.post(
        "/account/language", data={"language": language, "csrf_token": client.get_cookie("_csrf_token").value}
    )
    assert answer.status_code == 400
    with session_scope(app.server.extensions["trendsales"].sessions) as session:
        assert session.query(User).filter_by(username="ana").one().language is None


def test_the_switch_needs_a_session_and_the_csrf_token(tmp_path):
    client = _app(tmp_path).server.test_client()
    assert client.post("/account/language", data={"language": "en"}).status_code in (302, 401)
    _log_in(client)
    assert client.post("/account/language", data={"language": "en"}).status_code == 400
