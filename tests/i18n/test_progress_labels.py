"""Training progress labels, stored in English in the job table, are read in the viewer's language."""

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
