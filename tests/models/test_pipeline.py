"""Training pipeline and its CLI end to end: sales in SQLite → train → registry → forecast CSV.

Real engine, real SQLite, tiny seeded data (monthly and quarterly; a small daily demo slice) and tiny
candidate grids so the whole file runs in seconds.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from app.config import ConfigError, Settings, load_config
from data.db import make_engine
from data.demo import generate_demo_sales
from data.schema import AuditEvent, ModelVersion
from data.storage import import_sales_frame
from models import pipeline
from models.artifacts import load_artifact
from models.pipeline import TrainingError, run_training, training_config
from models.promotion import Hold, Outcome
from models.registry import get_version, list_versions, master_versions
from scheduler.jobstore import active_job, cancel_job, list_jobs, request_job
from tests.support.apps import FAST_TRAINING, make_test_app
from tests.support.live_server import BIN, PROJECT_ROOT, app_environment, wait_for

ROOT = Path(__file__).resolve().parents[2]
FAST = FAST_TRAINING


def panel_sales(freq: str, periods: int, seed: int = 11) -> pd.DataFrame:
    """2 stores x 3 products (2 categories) with trend, mild season and noise at period starts."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2015-01-01", periods=periods, freq={"M": "MS", "Q": "QS"}[freq])
    m = {"M": 12, "Q": 4}[freq]
    t = np.arange(periods)
    frames = []
    for s, store in enumerate(("Centro", "Norte")):
        for p, (product, category) in enumerate(
            (("Arroz", "Mercearia"), ("Feijao", "Mercearia"), ("Sabao", "Limpeza"))
        ):
            y = 100 * (1 + s) * (1 + 0.4 * p) * (1 + 0.03 * t) * (1 + 0.1 * np.sin(2 * np.pi * (t + p) / m))
            frames.append(
                pd.DataFrame(
                    {
                        "date": dates,
                        "store": store,
                        "category": category,
                        "product": product,
                        "revenue": np.round(y * rng.gamma(200, 1 / 200, periods), 2),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def load(engine: Engine, frame: pd.DataFrame, name: str = "sales.csv") -> None:
    result = import_sales_frame(engine, frame, filename=name, uploaded_by="test")
    assert result.status == "imported", result


def config(tmp_path: Path, **extra: object) -> Settings:
    return Settings().with_overrides({"MODEL_DIR": str(tmp_path / "models"), **FAST, **extra})


def test_training_config_keeps_engine_defaults_for_unset_sizes() -> None:
    assert training_config(Settings()).n_folds == 3
    built = training_config(Settings(train_n_jobs=2, train_folds=4, train_horizon=6))
    assert (built.n_jobs, built.n_folds, built.horizon) == (2, 4, 6)
    with pytest.raises(ConfigError, match="TRENDSALES_TRAIN_FOLDS='many' is not valid"):
        load_config(environ={"TRENDSALES_TRAIN_FOLDS": "many"})


def test_no_sales_is_a_clear_error(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="no sales"):
        run_training(engine, config(tmp_path))


def test_unknown_level_is_a_clear_error(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match=r"unknown level\(s\) shelf"):
        run_training(engine, config(tmp_path), levels=["shelf"])


def test_train_all_levels_promotes_then_unchanged_data_keeps_master(engine: Engine, tmp_path: Path) -> None:
    load(engine, panel_sales("M", 60))
    calls: list[tuple[int, int, str]] = []
    outcomes = run_training(engine, config(tmp_path), progress=lambda *a: calls.append(a))
    assert list(outcomes) == ["store", "category", "product"]
    assert all(o.ok and o.promoted for o in outcomes.values()), outcomes
    assert {o.decision.outcome for o in outcomes.values()} <= {Outcome.FIRST_MODEL, Outcome.FIRST_NAIVE}
    assert master_versions(engine) == {lv: o.version_id for lv, o in outcomes.items()}
    steps = [c[0] for c in calls]
    assert steps == sorted(steps) and calls[-1][0] == calls[-1][1]
    assert {c[1] for c in calls} == {calls[-1][1]}
    assert any(label.startswith("category: ") for _, _, label in calls)
    assert not any(label.startswith(("store: store:", "category: category:")) for _, _, label in calls)
    assert any(label == "promoting store, category, product" for _, _, label in calls)

    again = run_training(engine, config(tmp_path), levels=["store"])
    assert not again["store"].promoted
    decision = again["store"].decision
    assert decision.outcome is Outcome.TIE_KEPT and decision.same_config and not decision.newer_data
    assert decision.master_version == outcomes["store"].version_id
    assert decision.candidate_version == again["store"].version_id
    assert "tie on unchanged data → MASTER kept" in again["store"].reason
    assert master_versions(engine)["store"] == outcomes["store"].version_id
    assert get_version(engine, again["store"].version_id).status == "candidate"
    report = json.loads(Path(get_version(engine, again["store"].version_id).report_path).read_text())
    assert report["decision"]["promote"] is False


def test_new_data_refreshes_a_master_whose_configuration_still_wins(engine: Engine, tmp_path: Path) -> None:
    """A candidate that loses on new data keeps the MASTER's configuration, refitted on the new data:
    forecasts must not ignore the new sales until some candidate happens to win."""
    load(engine, panel_sales("M", 48))
    first = run_training(engine, config(tmp_path), levels=["store"])["store"]
    assert first.promoted and first.params["family"] != "seasonal_naive"
    load(engine, panel_sales("M", 60), name="more.csv")  # one more year
    # Only seasonal naive may compete: the MASTER's configuration, re-scored on the same folds, wins.
    second = run_training(engine, config(tmp_path, TRAIN_FAMILIES=["seasonal_naive"]), levels=["store"])[
        "store"
    ]
    assert second.promoted, second.reason
    assert "configuration wins" in second.reason and "promoted to refresh" in second.reason
    decision = second.decision
    assert decision.outcome is Outcome.REFRESHED and decision.newer_data
    assert decision.master_version == first.version_id and decision.refreshed_version == second.version_id
    assert decision.candidate_version != second.version_id  # the losing seasonal-naive candidate
    assert decision.master_wape < decision.candidate_wape
    assert decision.candidate_data_to > decision.master_data_to
    refreshed = get_version(engine, second.version_id)
    assert master_versions(engine)["store"] == refreshed.id != first.version_id
    assert refreshed.params == get_version(engine, first.version_id).params
    assert (
        refreshed.data_fingerprint["date_max"]
        > get_version(engine, first.version_id).data_fingerprint["date_max"]
    )
    losers = [v for v in list_versions(engine, "store") if v.id not in (first.version_id, refreshed.id)]
    assert len(losers) == 1 and losers[0].params["family"] == "seasonal_naive"
    assert losers[0].status == "candidate" and "MASTER kept" in (losers[0].decision or "")


def test_failed_training_never_touches_master(engine: Engine, tmp_path: Path) -> None:
    load(engine, panel_sales("Q", 40))
    first = run_training(engine, config(tmp_path), levels=["store"])
    before = master_versions(engine)
    with engine.connect() as conn:
        rows = conn.scalar(select(func.count()).select_from(ModelVersion))
    failed = run_training(engine, config(tmp_path, TRAIN_FAMILIES=("no_such_family",)), levels=["store"])
    assert not failed["store"].ok and failed["store"].version_id is None
    assert "MASTER untouched" in failed["store"].reason and "no_such_family" in failed["store"].error
    assert master_versions(engine) == before == {"store": first["store"].version_id}
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ModelVersion)) == rows


def test_a_failed_level_keeps_every_master_and_the_winners_stay_candidates(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(engine, panel_sales("Q", 40))
    real_train_level = pipeline.train_level

    def disk_full_on_category(sales, level, **kwargs):
        if level == "category":
            raise OSError(28, "No space left on device")
        return real_train_level(sales, level, **kwargs)

    monkeypatch.setattr(pipeline, "train_level", disk_full_on_category)
    outcomes = run_training(engine, config(tmp_path), levels=["store", "category", "product"])
    assert not outcomes["category"].ok and "No space left" in outcomes["category"].error
    for level in ("store", "product"):  # first models: they beat the baseline and would be promoted
        outcome = outcomes[level]
        assert outcome.ok and not outcome.promoted, outcome
        assert "category failed in this run" in outcome.reason and "every MASTER kept" in outcome.reason
        assert outcome.decision.wins and outcome.decision.hold is Hold.RUN_FAILED
        assert outcome.decision.failed_levels == ("category",)
        assert get_version(engine, outcome.version_id).status == "candidate"
    assert master_versions(engine) == {}

    monkeypatch.setattr(pipeline, "train_level", real_train_level)
    retried = run_training(engine, config(tmp_path), levels=["store", "category", "product"])
    assert all(o.promoted for o in retried.values())
    assert master_versions(engine) == {lv: o.version_id for lv, o in retried.items()}


def test_no_promote_registers_candidates_only(engine: Engine, tmp_path: Path) -> None:
    load(engine, panel_sales("M", 48))
    outcomes = run_training(engine, config(tmp_path), levels=["store"], promote=False)
    assert not outcomes["store"].promoted and "switched off" in outcomes["store"].reason
    decision = outcomes["store"].decision
    assert decision.outcome is Outcome.FIRST_MODEL and decision.hold is Hold.SWITCHED_OFF
    assert decision.wins and not decision.promoted
    assert master_versions(engine) == {}
    assert [v.status for v in list_versions(engine)] == ["candidate"]


def test_reloaded_artifact_forecasts_identically_in_a_fresh_process(engine: Engine, tmp_path: Path) -> None:
    load(engine, panel_sales("M", 60))
    outcome = run_training(engine, config(tmp_path), levels=["product"])["product"]
    path = get_version(engine, outcome.version_id).artifact_path
    here = load_artifact(path, expected_level="product").forecast("store=*|product=Arroz", 12)
    code = (
        "import sys; from models.artifacts import load_artifact; "
        "f = load_artifact(sys.argv[1], expected_level='product'); "
        "print(f.forecast('store=*|product=Arroz', 12).to_json(orient='split', double_precision=15))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, path], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    there = pd.read_json(io.StringIO(out), orient="split")
    np.testing.assert_array_equal(
        there[["forecast", "lower", "upper"]].to_numpy(), here[["forecast", "lower", "upper"]].to_numpy()
    )
    assert list(there["date"]) == list(here["date"])


# ---- CLI -------------------------------------------------------------------------------------------


@pytest.fixture
def cli_app(tmp_path: Path):
    """An app from the factory on a migrated temp database, with the fast training settings."""
    app = make_test_app(tmp_path, **FAST)
    services = app.server.extensions["trendsales"]
    yield app
    services.engine.dispose()


def _engine(app) -> Engine:
    return app.server.extensions["trendsales"].engine


def _csv(output: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(output))


@pytest.mark.parametrize(("freq", "periods", "horizon"), [("M", 60, 18), ("Q", 40, 6)])
def test_cli_train_then_forecast_csv(cli_app, freq: str, periods: int, horizon: int) -> None:
    load(_engine(cli_app), panel_sales(freq, periods))
    runner = cli_app.server.test_cli_runner()
    result = runner.invoke(args=["train", "--level", "store", "--level", "product"])
    assert result.exit_code == 0, result.output
    assert "[store] version store-" in result.output and "[product] version product-" in result.output
    assert "seasonal naive: WAPE" in result.output and "PROMOTED to MASTER" in result.output

    result = runner.invoke(
        args=["forecast", "--level", "store", "--store", "Norte", "--horizon", str(horizon)]
    )
    assert result.exit_code == 0, result.output
    frame = _csv(result.output)
    assert list(frame.columns) == ["date", "forecast", "lower", "upper"]
    assert len(frame) == horizon
    assert (frame["lower"] <= frame["forecast"]).all() and (frame["forecast"] <= frame["upper"]).all()
    last = pd.Timestamp(panel_sales(freq, periods)["date"].max())
    step = pd.DateOffset(months=1 if freq == "M" else 3)
    assert pd.Timestamp(frame["date"].iloc[0]) == last + step

    all_stores = _csv(
        runner.invoke(args=["forecast", "--level", "product", "--product", "Sabao", "--horizon", "3"]).output
    )
    one_store = _csv(
        runner.invoke(
            args=[
                "forecast",
                "--level",
                "product",
                "--product",
                "Sabao",
                "--store",
                "Centro",
                "--horizon",
                "3",
            ]
        ).output
    )
    assert (all_stores["forecast"] > one_store["forecast"]).all()


def test_cli_forecast_errors_are_specific(cli_app) -> None:
    runner = cli_app.server.test_cli_runner()
    result = runner.invoke(args=["forecast", "--level", "store", "--horizon", "3"])
    assert result.exit_code != 0 and "run `flask --app wsgi train` first" in result.output
    load(_engine(cli_app), panel_sales("Q", 40))
    assert runner.invoke(args=["train", "--level", "product"]).exit_code == 0
    result = runner.invoke(args=["forecast", "--level", "product", "--product", "Feijão", "--horizon", "3"])
    assert result.exit_code != 0 and "unknown product 'Feijão'" in result.output and "Feijao" in result.output
    result = runner.invoke(args=["forecast", "--level", "product", "--horizon", "3"])
    assert result.exit_code != 0 and "--product is required" in result.output
    result = runner.invoke(args=["forecast", "--level", "product", "--product", "Arroz", "--horizon", "0"])
    assert result.exit_code != 0


def test_cli_models_list_and_promote_rollback(cli_app) -> None:
    engine = _engine(cli_app)
    load(engine, panel_sales("Q", 40))
    runner = cli_app.server.test_cli_runner()
    assert runner.invoke(args=["train", "--level", "store"]).exit_code == 0
    second = runner.invoke(args=["train", "--level", "store"])
    assert second.exit_code == 0 and "not promoted" in second.output and "MASTER kept" in second.output
    first_id, second_id = master_versions(engine)["store"], list_versions(engine, "store")[0].id
    assert first_id != second_id

    listing = runner.invoke(args=["models", "list", "--level", "store"]).output
    lines = listing.splitlines()
    assert lines[0].split()[:3] == ["VERSION", "LEVEL", "CREATED"]
    assert lines[1].startswith(second_id) and lines[1].rstrip().endswith("candidate")
    assert lines[2].startswith(first_id) and lines[2].rstrip().endswith("MASTER")

    result = runner.invoke(args=["models", "promote", second_id])
    assert result.exit_code == 0 and f"was {first_id}" in result.output
    assert master_versions(engine) == {"store": second_id}
    assert get_version(engine, first_id).status == "archived"
    assert get_version(engine, second_id).decision == "manual promotion by CLI"

    result = runner.invoke(args=["models", "promote", first_id])  # rollback
    assert result.exit_code == 0 and master_versions(engine) == {"store": first_id}
    result = runner.invoke(args=["models", "promote", "store-nope"])
    assert result.exit_code != 0 and "no model version 'store-nope'" in result.output
    assert runner.invoke(args=["models", "promote", first_id]).exit_code == 0  # already MASTER: no row
    with engine.connect() as conn:  # the promotion and the rollback are audited like the console's
        rows = conn.execute(
            select(AuditEvent.actor, AuditEvent.detail)
            .where(AuditEvent.action == "model_promote")
            .order_by(AuditEvent.id)
        ).all()
    reason = "manual promotion by CLI"
    assert [(actor, d["version"], d["previous"], d["reason"]) for actor, d in rows[-2:]] == [
        ("cli", second_id, first_id, reason),
        ("cli", first_id, second_id, reason),
    ]
    assert len(rows) == 3  # the first training's promotion, then the two above


def test_cli_train_without_sales_fails_cleanly(cli_app) -> None:
    result = cli_app.server.test_cli_runner().invoke(args=["train"])
    assert result.exit_code == 1 and "no sales" in result.output


def test_small_daily_demo_trains_and_forecasts(engine: Engine, tmp_path: Path) -> None:
    import datetime as dt

    demo = generate_demo_sales(
        3, n_stores=2, n_categories=2, n_products=5, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)
    )
    load(engine, demo, "demo.csv")
    outcome = run_training(engine, config(tmp_path), levels=["category"])["category"]
    assert outcome.ok and outcome.promoted, outcome
    forecaster = load_artifact(
        get_version(engine, outcome.version_id).artifact_path, expected_level="category"
    )
    category = sorted(demo["category"].unique())[0]
    weekly = forecaster.forecast(f"store=*|category={category}", 4, freq="W")
    assert len(weekly) == 4 and (weekly["forecast"] >= 0).all()


def test_cli_train_is_refused_while_another_training_holds_the_slot(cli_app) -> None:
    """The plain ``train`` takes the slot of ``retrain`` and the scheduler: a second one names the holder."""
    engine = _engine(cli_app)
    load(engine, panel_sales("Q", 40))
    held = request_job(engine, trigger="manual", requested_by="ana")
    result = cli_app.server.test_cli_runner().invoke(args=["train", "--level", "store"])
    assert result.exit_code == 1, result.output
    assert f"training job {held.job_id} (manual, requested by ana) is queued" in result.output
    assert "--wait" in result.output and list_versions(engine, "store") == []


def test_cli_train_wait_runs_once_the_slot_is_free(cli_app) -> None:
    engine = _engine(cli_app)
    load(engine, panel_sales("Q", 40))
    held = request_job(engine, trigger="manual", requested_by="ana")
    release = threading.Timer(1.0, lambda: cancel_job(engine, held.job_id, by="test"))
    release.start()
    result = cli_app.server.test_cli_runner().invoke(args=["train", "--level", "store", "--wait"])
    release.join()
    assert result.exit_code == 0, result.output
    jobs = list_jobs(engine)
    assert [(j.trigger, j.status) for j in jobs] == [("cli", "succeeded"), ("manual", "cancelled")]
    assert jobs[0].outcome["store"]["version_id"] == master_versions(engine)["store"]
    assert active_job(engine) is None  # the slot is free again


def test_second_cli_training_process_exits_1_naming_the_running_one(cli_app) -> None:
    """Two real ``flask train`` processes: while the first trains, the second exits 1 naming its job."""
    engine = _engine(cli_app)
    load(engine, panel_sales("M", 60))
    config = cli_app.server.extensions["trendsales"].config
    # The engine's default candidates: the first training lasts well beyond the second's start-up.
    env = app_environment(Path(config.instance_dir), TRENDSALES_DATABASE_URL=config.database_url)
    env.update(TRENDSALES_MODEL_DIR=config.model_dir)

    def train() -> subprocess.Popen:
        command = [str(BIN / "flask"), "--app", "wsgi", "train"]
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    first = train()
    wait_for(
        lambda: active_job(engine) is not None, timeout=60, interval=0.05, what="the first training's job"
    )
    running = active_job(engine)
    os.kill(first.pid, signal.SIGSTOP)  # hold the first mid-training, however fast the engine is
    try:
        second = train()
        out_second, _ = second.communicate(timeout=120)
        # An admin's cancel reaches the CLI training too: it stops before promoting anything.
        cancel_job(engine, running.id, by="test")
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert second.returncode == 1, out_second
    assert f"training job {running.id} (cli, requested by cli) is running" in out_second
    out_first, _ = first.communicate(timeout=120)
    assert first.returncode == 1, out_first
    assert [(j.trigger, j.status) for j in list_jobs(engine)] == [("cli", "cancelled")]
    assert master_versions(engine) == {} and active_job(engine) is None


def test_unwritable_model_folder_fails_before_any_training(engine: Engine, tmp_path: Path) -> None:
    load(engine, panel_sales("Q", 40))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # the tests run as root: a file, not permissions, blocks writing
    steps: list[str] = []
    with pytest.raises(TrainingError, match=r"model folder .* is not writable"):
        run_training(
            engine,
            config(tmp_path, MODEL_DIR=str(blocker / "models")),
            progress=lambda s, t, x: steps.append(x),
        )
    assert steps == [] and list_versions(engine) == []


def test_read_only_database_fails_before_any_training(engine: Engine, tmp_path: Path) -> None:
    load(engine, panel_sales("Q", 40))
    read_only = make_engine(f"sqlite:///file:{engine.url.database}?mode=ro&uri=true")
    steps: list[str] = []
    try:
        with pytest.raises(TrainingError, match=r"database is not writable .*readonly"):
            run_training(read_only, config(tmp_path), progress=lambda s, t, x: steps.append(x))
    finally:
        read_only.dispose()
    assert steps == [] and list_versions(engine) == []
