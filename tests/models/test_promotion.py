"""The promotion rule as typed decisions: first model, candidate vs MASTER on the same windows, ties.

Real engine fits on a small seeded monthly panel with tiny grids, real SQLite through the migrated
``engine`` fixture; the sentences of ``describe`` are checked against literal text.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from models.promotion import (
    Hold,
    MasterScore,
    Outcome,
    PromotionDecision,
    decide,
    describe,
    held,
    judge,
    record,
    should_refresh,
)
from models.registry import promote, register_version
from models.training import train_level
from tests.models.samples import NAIVE_ONLY, WITH_THETA, monthly_sales


def _master(engine: Engine, tmp_path: Path, trained) -> str:
    version = register_version(engine, trained, model_dir=tmp_path, source="t")
    promote(engine, version, reason="first", actor="test")
    return version


def test_first_model_seasonal_naive_serves_because_nothing_beat_it(
    engine: Engine, sales: pd.DataFrame, naive_trained
) -> None:
    decision = judge(engine, naive_trained, sales, version_id="store-new", config=NAIVE_ONLY)
    assert decision.outcome is Outcome.FIRST_NAIVE and decision.wins and decision.promoted
    assert decision.master_version is None and decision.master_wape is None
    assert decision.candidate_wape == decision.baseline_wape == naive_trained.metrics["wape"]
    assert decision.candidate_version == decision.version_id == "store-new"
    assert len(decision.windows) == 2 and decision.horizon == naive_trained.folds.horizon


def test_first_model_beating_seasonal_naive_is_promoted(
    engine: Engine, sales: pd.DataFrame, theta_trained
) -> None:
    decision = judge(engine, theta_trained, sales, version_id="store-new", config=WITH_THETA)
    assert decision.outcome is Outcome.FIRST_MODEL and decision.promoted
    assert decision.candidate_wape < decision.baseline_wape
    assert decision.baseline_wape == theta_trained.baseline_metrics["wape"]


def test_candidate_beating_master_is_promoted_on_the_masters_score_on_the_same_windows(
    engine: Engine, tmp_path: Path, sales: pd.DataFrame, naive_trained, theta_trained
) -> None:
    old = _master(engine, tmp_path, naive_trained)
    decision = judge(engine, theta_trained, sales, version_id="store-new", config=WITH_THETA)
    assert decision.outcome is Outcome.PROMOTED and decision.promoted
    assert decision.master_version == old and not decision.same_config
    # The MASTER (seasonal naive) re-scored on the candidate's windows is exactly seasonal naive's WAPE.
    assert decision.master_wape == pytest.approx(theta_trained.baseline_metrics["wape"])
    assert decision.candidate_wape < decision.master_wape
    cutoffs = tuple(c.date().isoformat() for c in theta_trained.folds.cutoffs)
    assert decision.windows == cutoffs
    assert describe(decision).endswith("on the same 2 folds → promoted")


def test_candidate_losing_to_master_keeps_it(
    engine: Engine, tmp_path: Path, sales: pd.DataFrame, naive_trained, theta_trained
) -> None:
    master = _master(engine, tmp_path, theta_trained)
    decision = judge(engine, naive_trained, sales, version_id="store-new", config=NAIVE_ONLY)
    assert decision.outcome is Outcome.KEPT and not decision.wins and not decision.promoted
    assert decision.master_version == master
    assert decision.master_wape == pytest.approx(theta_trained.metrics["wape"])
    assert not decision.newer_data and not should_refresh(decision)  # same data: nothing to refresh


def test_tie_on_unchanged_data_keeps_master(
    engine: Engine, tmp_path: Path, sales: pd.DataFrame, theta_trained
) -> None:
    _master(engine, tmp_path, theta_trained)
    again = train_level(sales, "store", freq="M", config=WITH_THETA)
    decision = judge(engine, again, sales, version_id="store-new", config=WITH_THETA)
    assert decision.outcome is Outcome.TIE_KEPT and not decision.wins
    assert decision.same_config and decision.candidate_wape == decision.master_wape
    assert not decision.newer_data


def test_tie_on_newer_data_replaces_master(engine: Engine, tmp_path: Path, theta_trained) -> None:
    _master(engine, tmp_path, theta_trained)
    longer = monthly_sales(months=73)
    newer = train_level(longer, "store", freq="M", config=WITH_THETA)
    decision = judge(engine, newer, longer, version_id="store-new", config=WITH_THETA)
    assert decision.outcome is Outcome.TIE_NEWER_DATA and decision.promoted and decision.newer_data
    assert (decision.candidate_data_to, decision.master_data_to) == ("2025-01-01", "2024-12-01")


def test_losing_on_newer_data_asks_for_a_refresh(naive_trained) -> None:
    score = MasterScore("store-old", wape=0.01, same_config=False, data_sha256="old", data_to="2024-01-01")
    decision = decide(naive_trained, "store-new", score)
    assert decision.outcome is Outcome.KEPT and decision.newer_data and should_refresh(decision)


def test_an_unscorable_master_is_judged_against_seasonal_naive(naive_trained) -> None:
    score = MasterScore(
        "store-old", wape=None, same_config=False, data_sha256=None, data_to=None, error="ValueError: bad"
    )
    decision = decide(naive_trained, "store-new", score)
    assert decision.outcome is Outcome.FIRST_NAIVE and decision.promoted
    assert decision.master_version == "store-old" and decision.master_wape is None
    assert decision.rescore_error == "ValueError: bad"
    assert describe(decision).startswith(
        "MASTER store-old's configuration could not be re-scored on these folds (ValueError: bad); "
        "judged against seasonal naive instead: no candidate beat seasonal naive (WAPE "
    )


BASE = PromotionDecision(
    level="store",
    outcome=Outcome.PROMOTED,
    candidate_version="store-b",
    candidate_wape=0.1,
    baseline_wape=0.2,
    windows=("2024-01-01", "2024-04-01"),
    horizon=3,
    candidate_data_to="2024-06-01",
    master_version="store-a",
    master_wape=0.15,
    master_data_to="2024-03-01",
)


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({}, "candidate WAPE 10.0% vs MASTER store-a 15.0% on the same 2 folds → promoted"),
        (
            {"outcome": Outcome.KEPT},
            "candidate WAPE 10.0% vs MASTER store-a 15.0% on the same 2 folds → MASTER kept",
        ),
        (
            {"outcome": Outcome.TIE_KEPT, "same_config": True, "windows": ("2024-01-01",)},
            "candidate uses MASTER store-a's configuration (WAPE 10.0% on the same 1 fold): "
            "a tie on unchanged data → MASTER kept",
        ),
        (
            {"outcome": Outcome.TIE_NEWER_DATA},
            "candidate WAPE 10.0% vs MASTER store-a 15.0% on the same 2 folds: a tie, but the candidate "
            "is trained on newer data (to 2024-06-01, MASTER to 2024-03-01) → promoted to refresh",
        ),
        (
            {"outcome": Outcome.REFRESHED, "refreshed_version": "store-c"},
            "candidate WAPE 10.0% vs MASTER store-a 15.0% on the same 2 folds: MASTER store-a's "
            "configuration wins, so it was refitted on the data to 2024-06-01 (MASTER trained to "
            "2024-03-01) → promoted to refresh",
        ),
        (
            {"outcome": Outcome.FIRST_MODEL, "master_version": None},
            "first model of level store: candidate WAPE 10.0% vs seasonal naive 20.0% on 2 folds → promoted",
        ),
        (
            {"outcome": Outcome.NOT_PROMOTED, "master_version": None, "candidate_wape": 0.3},
            "first model of level store: candidate WAPE 30.0% does not beat seasonal naive 20.0% on 2 "
            "folds → not promoted; the level has no MASTER yet",
        ),
    ],
)
def test_describe_renders_each_outcome(changes: dict, text: str) -> None:
    assert describe(dataclasses.replace(BASE, **changes)) == text


def test_a_win_by_a_hair_shows_the_decimals_that_tell_the_scores_apart() -> None:
    """Never "11.1% vs 11.1% → promoted": a narrow win shows as many decimals as it takes."""
    narrow = dataclasses.replace(BASE, candidate_wape=0.11084, master_wape=0.11091)
    assert describe(narrow).startswith("candidate WAPE 11.08% vs MASTER store-a 11.09% on the same 2 folds")
    # Four decimals when three still read the same.
    assert "11.0913% vs MASTER store-a 11.0910%" in describe(
        dataclasses.replace(narrow, outcome=Outcome.KEPT, candidate_wape=0.110913, master_wape=0.11091)
    )


def test_held_decisions_say_why_and_are_not_promoted() -> None:
    off = held(BASE, Hold.SWITCHED_OFF)
    assert off.wins and not off.promoted
    assert describe(off).endswith(" — but promotion was switched off (--no-promote): kept as candidate")
    run = held(BASE, Hold.RUN_FAILED, failed_levels=("category", "product"))
    assert describe(run).endswith(
        " — but not promoted: category, product failed in this run, and a run promotes all its winners "
        "or none (every MASTER kept)"
    )
    failed = held(BASE, Hold.PROMOTION_FAILED, error="RegistryError: broken")
    assert describe(failed).endswith(" — but promotion failed, every MASTER kept: RegistryError: broken")
    stored = record(run)
    assert stored["promote"] is False and stored["outcome"] == "promoted" and stored["hold"] == "run_failed"
    assert stored["failed_levels"] == ["category", "product"] and stored["reason"] == describe(run)


def test_the_first_model_of_a_level_is_promoted_even_on_a_tie_with_seasonal_naive(theta_trained) -> None:
    """A level without a MASTER always gets one: a candidate that only ties seasonal naive (the 44-week
    product level of a real dataset) is promoted as the first MASTER instead of leaving nothing to serve."""
    tied = dataclasses.replace(
        theta_trained,
        baseline_metrics={**theta_trained.baseline_metrics, "wape": theta_trained.metrics["wape"]},
    )
    assert tied.best_params["family"] != "seasonal_naive"
    decision = decide(tied, "store-new", None)
    assert decision.outcome is Outcome.FIRST_NAIVE and decision.promoted
    assert describe(decision).endswith("promoted as the first MASTER so the level can serve")
