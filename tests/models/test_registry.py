"""Registry: versions, the MASTER alias, promotion and rollback with audit, and refusals.

Real engine fits on a small seeded monthly panel (2 stores x 3 products, 6 years) with tiny grids,
real SQLite through the migrated ``engine`` fixture.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from data.schema import AuditEvent, ModelVersion, RegistryAlias
from models.registry import (
    RegistryError,
    UnknownVersionError,
    get_version,
    list_versions,
    master_versions,
    promote,
    promote_many,
    record_decision,
    register_version,
)
from models.training import train_level
from tests.models.samples import NAIVE_ONLY


def _status(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(ModelVersion.id, ModelVersion.status)).all())


def test_register_writes_files_then_candidate_row(engine: Engine, tmp_path: Path, theta_trained) -> None:
    vid = register_version(engine, theta_trained, model_dir=tmp_path, source="test", job_id=7)
    assert vid.startswith("store-")
    info = get_version(engine, vid)
    assert info.status == "candidate" and info.source == "test" and info.job_id == 7
    assert info.params == theta_trained.best_params
    folder = tmp_path / "store" / vid
    assert {p.name for p in folder.iterdir()} == {
        "model.joblib",
        "best_parameters.json",
        "report.json",
        "report.md",
    }
    assert json.loads((folder / "best_parameters.json").read_text()) == theta_trained.best_params
    assert master_versions(engine) == {}
    assert [v.id for v in list_versions(engine, "store")] == [vid]
    assert list_versions(engine, "product") == []


def test_version_ids_are_unique_and_sortable(engine: Engine, tmp_path: Path, naive_trained) -> None:
    ids = [register_version(engine, naive_trained, model_dir=tmp_path, source="t") for _ in range(3)]
    assert len(set(ids)) == 3
    assert sorted(ids) == ids
    assert [v.id for v in list_versions(engine)] == ids[::-1]


def test_unknown_version_lists_close_matches(engine: Engine, tmp_path: Path, naive_trained) -> None:
    vid = register_version(engine, naive_trained, model_dir=tmp_path, source="t")
    with pytest.raises(UnknownVersionError, match="did you mean") as unknown:
        get_version(engine, vid[:-1] + "x")
    # The admin console shows the same refusal in the reader's language (the CLI in the configured one).
    assert (
        unknown.value.text("pt_BR") == f"não há versão de modelo {vid[:-1] + 'x'!r}; você quis dizer {vid}?"
    )


def test_promote_refuses_a_broken_artifact(engine: Engine, tmp_path: Path, naive_trained) -> None:
    good = register_version(engine, naive_trained, model_dir=tmp_path, source="t")
    promote(engine, good, reason="first", actor="test")
    bad = register_version(engine, naive_trained, model_dir=tmp_path, source="t")
    Path(get_version(engine, bad).artifact_path).write_bytes(b"\x80\x04 truncated")
    with pytest.raises(RegistryError, match="refusing to promote"):
        promote(engine, bad, reason="x", actor="test")
    assert master_versions(engine) == {"store": good}
    assert _status(engine) == {good: "MASTER", bad: "candidate"}


@pytest.fixture(scope="module")
def category_trained(sales: pd.DataFrame):
    return train_level(sales, "category", freq="M", config=NAIVE_ONLY)


def test_promote_many_is_all_or_nothing(
    engine: Engine, tmp_path: Path, naive_trained, category_trained
) -> None:
    store = register_version(engine, naive_trained, model_dir=tmp_path, source="t")
    category = register_version(engine, category_trained, model_dir=tmp_path, source="t")
    Path(get_version(engine, category).artifact_path).write_bytes(b"\x80\x04 truncated")
    with pytest.raises(RegistryError, match=f"refusing to promote {category}"):
        promote_many(engine, {store: "won", category: "won"}, actor="test")
    assert master_versions(engine) == {}  # the good store version was not promoted alone
    assert _status(engine) == {store: "candidate", category: "candidate"}

    again = register_version(engine, category_trained, model_dir=tmp_path, source="t")
    promote_many(engine, {store: "store won", again: "category won"}, actor="test")
    assert master_versions(engine) == {"store": store, "category": again}
    with engine.connect() as conn:
        details = conn.scalars(select(AuditEvent.detail).order_by(AuditEvent.id)).all()
    assert [(d["level"], d["reason"]) for d in details] == [
        ("store", "store won"),
        ("category", "category won"),
    ]
    with pytest.raises(RegistryError, match="two versions of one level"):
        promote_many(
            engine,
            {store: "a", register_version(engine, naive_trained, model_dir=tmp_path, source="t"): "b"},
            actor="t",
        )


def test_rollback_and_audit_trail(engine: Engine, tmp_path: Path, naive_trained, theta_trained) -> None:
    first = register_version(engine, naive_trained, model_dir=tmp_path, source="t")
    second = register_version(engine, theta_trained, model_dir=tmp_path, source="t")
    promote(engine, first, reason="first", actor="test")
    promote(engine, second, reason="better", actor="test")
    promote(engine, first, reason="rollback", actor="alice")
    assert master_versions(engine) == {"store": first}
    assert _status(engine) == {first: "MASTER", second: "archived"}
    with engine.connect() as conn:
        aliases = conn.execute(select(RegistryAlias.level, RegistryAlias.version_id)).all()
        events = conn.execute(select(AuditEvent.actor, AuditEvent.detail).order_by(AuditEvent.id)).all()
    assert aliases == [("store", first)]
    assert [e.actor for e in events] == ["test", "test", "alice"]
    assert events[-1].detail == {"level": "store", "version": first, "previous": second, "reason": "rollback"}


def test_record_decision_updates_row_and_reports(engine: Engine, tmp_path: Path, theta_trained) -> None:
    vid = register_version(engine, theta_trained, model_dir=tmp_path, source="t")
    decision = {"promote": False, "reason": "kept for a test", "candidate_wape": 0.1, "master_wape": 0.1}
    record_decision(engine, vid, decision)
    info = get_version(engine, vid)
    assert info.decision == "kept for a test"
    report = json.loads(Path(info.report_path).read_text())
    assert report["decision"]["reason"] == "kept for a test"
    assert "kept for a test" in (Path(info.report_path).parent / "report.md").read_text()
