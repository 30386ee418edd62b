"""Every number on the registry grid, in a job outcome and in a training report follows one format:
the reader's language (pt_BR ``1.234,5`` / ``12,4%``; en ``1,234.5`` / ``12.4%``), never a mix.

Built on real trainings (two runs of the store level on seeded demo sales), rendered the way the
admin console renders them inside a request of each language. Left out of the check, on purpose:
version ids, dates and times (their own formats), hyper-parameter values (``theta=2.0``, the models'
own configuration) and library versions (``numpy 2.4.6``).
"""

from __future__ import annotations

import re

import pytest

from callbacks.admin.registry import report_markdown, version_rows
from callbacks.admin.training import level_text
from data.storage import import_sales_frame
from models.pipeline import run_training
from models.registry import get_version, list_versions
from tests.admin.conftest import small_sales
from tests.support.apps import FAST_TRAINING, make_test_app

TOKEN = re.compile(r"\d[\d.,]*\d|\d")
VALID = {
    "pt_BR": re.compile(r"^(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+)(?:,\d+)?$"),
    "en": re.compile(r"^(?:[1-9]\d{0,2}(?:,\d{3})+|\d+)(?:\.\d+)?$"),
}
NOT_NUMBERS = [
    re.compile(r"\b(?:store|category|product)-\d{8}T[\w.-]+"),  # version ids
    re.compile(r"\w+=[^|,;)\s]+"),  # hyper-parameters
    re.compile(r"`\{.*?\}`"),  # a configuration as JSON
    re.compile(r"## (?:Libraries|Bibliotecas).*", re.S),  # library versions, last section
]


def numbers(text: str) -> list[str]:
    """The numeric tokens of ``text`` once ids, parameters and library versions are taken out."""
    for pattern in NOT_NUMBERS:
        text = pattern.sub(" ", text)
    return TOKEN.findall(text)


def assert_one_format(texts: list[str], language: str) -> None:
    other = "en" if language == "pt_BR" else "pt_BR"
    tokens = [t for text in texts for t in numbers(text)]
    wrong = [t for t in tokens if not VALID[language].match(t)]
    assert not wrong, f"numbers not in the {language} format: {wrong}"
    # the check can tell the languages apart: some numbers here are written only the language's way
    assert any(not VALID[other].match(t) for t in tokens), tokens


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two trainings of the store level (the second registered only), each with its outcome."""
    folder = tmp_path_factory.mktemp("one-format")
    app = make_test_app(folder)
    services = app.server.extensions["trendsales"]
    import_sales_frame(services.engine, small_sales(), filename="seed.csv", uploaded_by="test")
    config = services.config.with_overrides(FAST_TRAINING)
    first = run_training(services.engine, config, levels=["store"], source="test")["store"]
    second = run_training(services.engine, config, levels=["store"], source="test", promote=False)["store"]
    yield services, [first, second]
    services.engine.dispose()


@pytest.mark.parametrize("language", ["pt_BR", "en"])
def test_registry_grid_job_outcome_and_report_use_one_format(tmp_path, trained, language):
    services, outcomes = trained
    view = make_test_app(tmp_path, LANGUAGE=language)  # only its request context (language) is used
    with view.server.test_request_context("/admin"):
        rows = version_rows(list_versions(services.engine))
        grid = [
            " ".join(str(row[key]) for key in ("wape_text", "mase_text", "baseline_wape_text", "decision"))
            for row in rows
        ]
        jobs = [level_text(outcome.to_dict()) for outcome in outcomes]
        report = report_markdown(get_version(services.engine, outcomes[0].version_id))
    assert len(rows) == 2 and all("WAPE" in text for text in jobs)
    assert_one_format(grid, language)
    assert_one_format(jobs, language)
    assert_one_format([report], language)
    if language == "pt_BR":
        assert "Relatório de treino" in report and "## Decisão" in report
        assert "promovido" in jobs[0] or "mantido" in jobs[0]
