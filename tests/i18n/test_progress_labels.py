"""Text stored or built in English (training progress, upload answers) is read in the viewer's language."""

from __future__ import annotations

import pytest

from models.vocabulary import progress_text


@pytest.mark.parametrize(
    ("label", "pt_br", "en"),
    [
        (
            "store: CV ets fold 2/3",
            "loja: validação cruzada de Suavização exponencial, corte 2 de 3",
            "store: cross-validation of Exponential smoothing, fold 2 of 3",
        ),
        (
            "product: CV lgbm (412 series)",
            "produto: validação cruzada de LightGBM (gradient boosting) (412 séries)",
            "product: cross-validation of LightGBM (gradient boosting) (412 series)",
        ),
        ("category: refit theta", "categoria: ajustando Método Theta em todos os dados", None),
        ("store: comparing with MASTER", "loja: comparando com o MASTER", "store: comparing with the MASTER"),
        ("promoting store, product", "promovendo loja, produto", "promoting store, product"),
        ("done", "concluído", "done"),
        ("waiting for the scheduler", "aguardando o agendador", "waiting for the scheduler"),
    ],
)
def test_known_labels_are_translated(label, pt_br, en):
    assert progress_text(label, "pt_BR") == pt_br
    if en is not None:
        assert progress_text(label, "en") == en


def test_an_unknown_label_is_shown_as_it_is():
    assert progress_text("store: something new", "pt_BR") == "loja: something new"
    assert progress_text("gate said so", "pt_BR") == "gate said so"
    assert progress_text(None, "pt_BR") == ""


def test_the_events_upload_answers_in_the_readers_language(tmp_path):
    from callbacks.admin.events import import_upload
    from tests.support.apps import make_test_app

    unreadable = "data:text/csv;base64,@@not base64@@"
    app = make_test_app(tmp_path, LANGUAGE="pt_BR")
    with app.server.test_request_context("/admin"):
        text, imported = import_upload(None, unreadable, "promo.csv", actor="admin")
    assert not imported
    assert text == "promo.csv: não foi possível ler o envio; nada foi importado."
    english = make_test_app(tmp_path / "en", LANGUAGE="en")
    with english.server.test_request_context("/admin"):
        text, _ = import_upload(None, unreadable, "promo.csv", actor="admin")
    assert text == "promo.csv: the upload could not be read; nothing was imported."
