"""Refusals and the operations CLI in the configured language: Portuguese on a pt_BR instance, the
English sentence in logs and on an English one (account, token and job refusals carry a msgid and
its values, so each reader gets their own language, not an untranslatable f-string)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services import accounts, tokens
from tests.support.apps import make_test_app


def test_account_refusal_reads_in_both_languages(sessions) -> None:
    with pytest.raises(accounts.AccountError) as short:
        accounts.create_account(sessions, "ana", "curta", role="manager", actor="test")
    assert str(short.value) == "The password must have at least 8 characters."
    assert short.value.text("pt_BR") == "A senha deve ter pelo menos 8 caracteres."
    accounts.create_account(sessions, "ana", "senha-longa-1", role="manager", actor="test")
    with pytest.raises(accounts.AccountError) as taken:
        accounts.create_account(sessions, "ana", "senha-longa-2", role="manager", actor="test")
    assert taken.value.text("pt_BR") == "Já existe um usuário chamado 'ana'."
    assert str(taken.value) == "A user named 'ana' already exists."


def test_token_refusal_reads_in_both_languages(sessions) -> None:
    with pytest.raises(tokens.TokenError) as nobody:
        tokens.create_token(sessions, "ghost", "bi", expires_days=7, actor="cli", system=True)
    assert str(nobody.value) == "no active user named 'ghost'"
    assert nobody.value.text("pt_BR") == "não há usuário ativo chamado 'ghost'"


def test_cli_speaks_portuguese_on_a_pt_br_instance(tmp_path: Path) -> None:
    app = make_test_app(tmp_path, LANGUAGE="pt_BR")
    services = app.server.extensions["trendsales"]
    runner = app.server.test_cli_runner()
    try:
        assert runner.invoke(args=["jobs", "list"]).output == "Ainda não há tarefas de treinamento.\n"
        short = runner.invoke(args=["users", "create", "bia", "--password-stdin"], input="curta\n")
        assert short.exit_code == 1
        assert "A senha deve ter pelo menos 8 caracteres." in short.output
        missing = runner.invoke(args=["users", "reset-password", "ninguem"])
        assert missing.exit_code == 1 and "Não há usuário chamado 'ninguem'." in missing.output
        queued = runner.invoke(args=["retrain", "--level", "store"])
        assert queued.exit_code == 0 and queued.output.startswith("Tarefa 1: treinamento 1 na fila")
        joined = runner.invoke(args=["retrain"])
        assert joined.output.startswith("Tarefa 1: já há um treinamento na fila (tarefa 1, pedido por cli:")
        listing = runner.invoke(args=["jobs", "list"]).output.splitlines()
        assert listing[0].split() == [
            "id",
            "situação",
            "origem",
            "pedido",
            "por",
            "criada",
            "(UTC)",
            "progresso",
        ]
        assert listing[1].split()[:2] == ["1", "na"]  # "na fila"
        shown = runner.invoke(args=["jobs", "show", "1"]).output
        assert shown.startswith("Tarefa 1: na fila (cli, pedida por cli:")
        cancelled = runner.invoke(args=["jobs", "cancel", "1"])
        assert cancelled.output == "Tarefa 1: cancelada.\n"
        again = runner.invoke(args=["jobs", "cancel", "1"])
        assert again.exit_code == 1 and "Erro: a tarefa 1 já terminou (cancelada)" in again.output
        refused = runner.invoke(args=["tokens", "create", "ghost"])
        assert refused.exit_code == 1 and "não há usuário ativo chamado 'ghost'" in refused.output
    finally:
        services.engine.dispose()


def test_cli_keeps_its_english_output_on_an_english_instance(tmp_path: Path) -> None:
    app = make_test_app(tmp_path)
    services = app.server.extensions["trendsales"]
    runner = app.server.test_cli_runner()
    try:
        assert runner.invoke(args=["jobs", "list"]).output == "No training jobs yet.\n"
        assert runner.invoke(args=["retrain"]).output.startswith("Job 1: retrain job 1 queued")
        assert runner.invoke(args=["jobs", "list"]).output.splitlines()[0].split()[:3] == [
            "id",
            "status",
            "trigger",
        ]
        assert runner.invoke(args=["jobs", "cancel", "1"]).output == "Job 1 cancelled.\n"
    finally:
        services.engine.dispose()
