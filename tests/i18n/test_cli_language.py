"""CLI messages for people follow TRENDSALES_LANGUAGE; the forecast CSV (the contract) never changes."""

from __future__ import annotations

import pytest

from tests.support.apps import make_test_app


@pytest.mark.parametrize(
    ("language", "expected"),
    [("pt_BR", "O banco de dados está atualizado."), ("en", "Database is up to date.")],
)
def test_init_speaks_the_configured_language(tmp_path, language, expected):
    runner = make_test_app(tmp_path, LANGUAGE=language).server.test_cli_runner()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0 and expected in result.output


def test_errors_are_translated_and_keep_the_exit_code(tmp_path):
    runner = make_test_app(tmp_path, LANGUAGE="pt_BR").server.test_cli_runner()
    result = runner.invoke(args=["users", "scope", "ana"])
    assert result.exit_code == 1 and "informe exatamente um de --stores ou --all" in result.output
