"""Training reports: content built from a real trained level, Markdown rendering, atomic files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.reports import (
    baseline_sentence,
    build_report,
    library_versions,
    render_markdown,
    summarise_cv,
    with_decision,
    write_reports,
)
from models.training import TrainingConfig, train_level

CONFIG = TrainingConfig(
    n_folds=2,
    families=("seasonal_naive", "theta"),
    grids={"theta": {"theta": [1.0, 2.0], "seasonal": [True]}},
)


def quarterly_sales(seed: int = 5, quarters: int = 40) -> pd.DataFrame:
    """Two stores, one product each, quarterly with trend and season."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2015-01-01", periods=quarters, freq="QS")
    t = np.arange(quarters)
    frames = []
    for s, store in enumerate(("North", "South")):
        y = (
            (200 + 80 * s)
            * (1 + 0.015 * t)
            * (1 + 0.2 * np.cos(2 * np.pi * t / 4))
            * rng.gamma(80, 1 / 80, quarters)
        )
        frames.append(
            pd.DataFrame({"date": dates, "store": store, "category": "C", "product": "P", "revenue": y})
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def trained():
    return train_level(quarterly_sales(), "store", freq="Q", config=CONFIG)


@pytest.fixture(scope="module")
def report(trained) -> dict:
    return build_report(
        trained, version_id="store-x", created_at="2026-11-22T02:15:00", source="test", job_id=3
    )


def test_report_is_plain_json(report: dict) -> None:
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text)["version"] == "store-x"


def test_cv_table_has_one_row_per_configuration_best_first(report: dict, trained) -> None:
    configs = trained.cv_table["params"].nunique()
    rows = report["cv_table"]
    assert len(rows) == configs
    assert [r["wape"] for r in rows] == sorted(r["wape"] for r in rows)
    assert all(r["n_folds"] == len(trained.folds.cutoffs) for r in rows)
    assert {r["family"] for r in rows} >= {"seasonal_naive", "theta"}


def test_per_fold_rows_of_winner_and_seasonal_naive(report: dict, trained) -> None:
    n = len(trained.folds.cutoffs)
    assert len(report["per_fold"]["winner"]) == n
    assert len(report["per_fold"]["seasonal_naive"]) == n
    assert all(r["wape"] >= 0 for r in report["per_fold"]["winner"])


def test_report_carries_fingerprint_durations_intervals_and_libraries(report: dict, trained) -> None:
    assert report["data_fingerprint"]["rows"] == trained.fingerprint["rows"]
    assert report["data_fingerprint"]["sha256"] == trained.fingerprint["sha256"]
    assert set(report["libraries"]) >= {"python", "numpy", "pandas", "scikit-learn", "statsmodels"}
    assert report["intervals"]["coverage_80"] == pytest.approx(trained.metrics["coverage_80"])
    assert report["durations"] and all(v >= 0 for v in report["durations"].values())
    assert report["folds"]["horizon"] == trained.folds.horizon
    assert report["decision"] is None


def test_markdown_states_decision_and_comparison(report: dict) -> None:
    decided = with_decision(report, {"promote": True, "reason": "candidate WAPE 9.1% vs MASTER 9.4%"})
    text = render_markdown(decided)
    assert "**Promoted to MASTER.** candidate WAPE 9.1% vs MASTER 9.4%" in text
    assert report["baseline_comparison"] in text
    for heading in (
        "## Cross-validation",
        "## Per fold",
        "## Prediction intervals",
        "## Data",
        "## Libraries",
    ):
        assert heading in text


def test_write_reports_creates_the_three_files(tmp_path: Path, report: dict) -> None:
    paths = write_reports(tmp_path / "v1", report)
    assert json.loads(paths["best_parameters"].read_text()) == report["best_parameters"]
    assert json.loads(paths["report_json"].read_text())["level"] == "store"
    assert paths["report_md"].read_text().startswith("# Training report — store level")


@pytest.mark.parametrize(
    ("metrics", "baseline", "expected"),
    [
        (
            {"wape": 0.09, "mase": 0.7},
            {"wape": 0.12, "mase": 0.9},
            "CV WAPE 9.0% vs seasonal naive 12.0% (25% lower",
        ),
        ({"wape": 0.15}, {"wape": 0.12}, "(25% higher error than seasonal naive)"),
        ({"wape": 0.1}, {}, "No seasonal-naive comparison"),
    ],
)
def test_baseline_sentence(metrics: dict, baseline: dict, expected: str) -> None:
    assert expected in baseline_sentence(metrics, baseline)


def test_summarise_cv_of_empty_table_is_empty() -> None:
    assert summarise_cv(pd.DataFrame()) == []


def test_library_versions_are_real() -> None:
    versions = library_versions()
    assert versions["pandas"] == pd.__version__
    assert versions["numpy"] == np.__version__


def test_markdown_names_models_settings_and_metrics_in_words(report: dict) -> None:
    """No raw JSON configuration, metric keys or Markdown-active characters from a configuration."""
    combo = {
        "family": "combination",
        "method": "mean",
        "members": [{"family": "theta", "theta": 2.0}, {"family": "ets"}],
    }
    text = render_markdown({**report, "best_parameters": combo})
    assert "Configuration: Average of the best models — method: mean; averages: Theta method \\+ " in text
    assert '{"family"' not in text and "](" not in text.replace("\\](", "")
    assert "| Metric | Winner | Seasonal naive |" in text
    assert "| Typical error (WAPE) |" in text and "| Inside the likely range (80%) |" in text
    assert "| wape |" not in text and "coverage_80" not in text
    assert "| Model | Settings | Folds |" in text and "| Theta method |" in text
