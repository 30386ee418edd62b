"""A full training run reports, per level, how its three versions reconcile and whether that helps."""

from __future__ import annotations

import json
from pathlib import Path

from app.cli.model_commands import format_outcome
from models.holder import ModelHolder
from models.pipeline import run_training
from models.registry import get_version
from tests.ops.conftest import OpsServices
from tests.support.apps import make_test_app


def test_run_reports_reconciliation_per_level_and_the_holder_serves_coherent_numbers(
    services: OpsServices, tmp_path: Path
) -> None:
    outcomes = run_training(services.engine, services.config, source="test")
    methods = {o.reconciliation["method"] for o in outcomes.values()}
    assert len(methods) == 1 and None not in methods
    for level, outcome in outcomes.items():
        coherence = outcome.reconciliation
        assert set(coherence["scores"]) == {"store", "category", "product"}
        assert isinstance(coherence["helps"][level], bool)
        report = Path(get_version(services.engine, outcome.version_id).report_path)
        assert json.loads(report.read_text())["reconciliation"] == coherence
        markdown = (report.parent / "report.md").read_text()
        assert "## Coherence across levels" in markdown and "Reconciled with the other levels" in markdown
        with make_test_app(tmp_path / "app").server.app_context():  # the CLI's language lives in the app
            assert "Reconciled with the other levels" in format_outcome(outcome)
    holder = ModelHolder(services.engine, poll_seconds=60)
    snap = holder.snapshot()
    assert snap.coherence.coherent
    total = holder.forecast("store", "store=*", 6, freq="Q")["forecast"].to_numpy()
    stores = sum(
        holder.forecast("store", f"store={s}", 6, freq="Q")["forecast"].to_numpy() for s in ("S1", "S2")
    )
    assert abs(total - stores).max() <= 1e-4 * total.max()


def test_training_one_level_alone_records_no_reconciliation(services: OpsServices) -> None:
    outcomes = run_training(services.engine, services.config, levels=["store"], source="test")
    assert outcomes["store"].reconciliation is None
