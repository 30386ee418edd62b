"""The words ui-fixes added (model vocabulary, audit summaries, promotion decimals) in both languages."""

from __future__ import annotations

from models.promotion import Outcome, PromotionDecision, describe
from models.vocabulary import family_name, metric_name, settings_text
from services.audit import action_text, summary_text


def test_model_vocabulary_speaks_the_readers_language():
    assert metric_name("wape") == "Typical error (WAPE)"
    assert metric_name("wape", "pt_BR") == "Erro típico (WAPE)"
    assert metric_name("coverage_80", "pt_BR") == "Dentro da faixa provável (80%)"
    assert family_name("ets", "pt_BR") == "Suavização exponencial"
    assert family_name("new_family", "pt_BR") == "New family"  # an unknown code: its words
    text = settings_text({"family": "combination", "members": ["theta", "ets"]}, "pt_BR")
    assert text == "Média dos melhores modelos — média de: Método Theta + Suavização exponencial"


def test_audit_grid_words_in_portuguese_csv_words_in_english():
    detail = {"level": "store", "version": "v2", "previous": "v1", "reason": "rollback"}
    assert action_text("model_promote") == "Model made MASTER"
    assert action_text("model_promote", "pt_BR") == "Modelo virou MASTER"
    assert summary_text("model_promote", detail) == "store model v2 now serves, replacing v1. Why: rollback"
    assert summary_text("model_promote", detail, "pt_BR") == (
        "Modelo de loja v2 em uso, no lugar de v1. Motivo: rollback"
    )
    assert summary_text("upload", {"rows_new": 3, "ok": True}, "pt_BR") == "linhas novas: 3; ok: sim"


def test_a_narrow_win_shows_the_decimals_that_separate_it_in_each_format():
    decision = PromotionDecision(
        level="store",
        outcome=Outcome.PROMOTED,
        candidate_version="v2",
        candidate_wape=0.11081,
        baseline_wape=0.2,
        windows=("2025-01-01", "2025-02-01"),
        horizon=4,
        candidate_data_to="2025-03-01",
        master_version="v1",
        master_wape=0.11093,
        master_data_to="2025-03-01",
    )
    assert "WAPE 11.08% vs MASTER v1 11.09%" in describe(decision)
    assert "11,08% vs MASTER v1 11,09%" in describe(decision, "pt_BR")


def test_breakdown_note_and_links_are_portuguese_in_pt_br(tmp_path):
    """The bar count is a real plural entry (an N_ pair never reached ngettext: "the 6 categories")."""
    import pandas as pd

    from callbacks.breakdown import breakdown_links, breakdown_note
    from components.state import ViewState
    from tests.support.apps import make_test_app

    app = make_test_app(tmp_path, LANGUAGE="pt_BR")
    totals = pd.Series({"Bebidas": 600.0, "Limpeza": 400.0})
    state = ViewState("store", freq="M", horizon=3)
    with app.server.test_request_context("/"):
        note = breakdown_note(totals, 950.0, state)
        assert "o total de 2 categorias é R$ 1.000" in note and "the " not in note
        assert "Abrir:" in str(breakdown_links(totals, state))


def test_the_empty_access_requests_list_is_portuguese_in_pt_br(tmp_path):
    from components.admin.users import requests_list
    from tests.support.apps import make_test_app

    app = make_test_app(tmp_path, LANGUAGE="pt_BR")
    with app.server.test_request_context("/"):
        assert requests_list([]).children == "Nenhum pedido de acesso pendente."


def test_store_scope_refusals_read_in_portuguese(tmp_path):
    """Limiting an administrator, or a manager to no store, is refused in the reader's language (the
    exception's ``str()`` stays English for logs and the CLI)."""
    from callbacks.admin.users import scope_action
    from components import ids
    from data.accounts import create_user
    from data.db import session_scope
    from tests.support.apps import make_test_app

    app = make_test_app(tmp_path, LANGUAGE="pt_BR")
    sessions = app.server.extensions["trendsales"].sessions
    with session_scope(sessions) as session:
        create_user(session, "ana", "ana-admin-pass-123", role="admin")
        create_user(session, "rui", "rui-manager-pass-123", role="manager")
    limit = ids.ADMIN_USER_SCOPE_SAVE
    with app.server.test_request_context("/"):
        said, color = scope_action(sessions, limit, target="ana", stores=["S1"], known=["S1"], actor="x")
        assert color == "danger"
        assert said == "Administradores sempre veem todas as lojas (ana é administrador)."
        said, _ = scope_action(sessions, limit, target="rui", stores=[], known=["S1"], actor="x")
        assert said == "Indique ao menos uma loja, ou escolha todas as lojas."
        said, _ = scope_action(sessions, limit, target="rui", stores=["S9"], known=["S1"], actor="x")
        assert said == "Loja(s) desconhecida(s): S9; lojas: S1."
