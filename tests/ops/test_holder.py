"""ModelHolder: validated hot swaps, one snapshot per request, refusal of broken artifacts, the cache."""

from __future__ import annotations

import threading
from pathlib import Path

import joblib
import pytest
from sqlalchemy.orm import Session

from callbacks.catalogue import CatalogueCache
from callbacks.forecast import render_view
from components.state import ViewState
from data.audit import audit_events
from data.forecast_store import META_SUFFIX, companion, served_snapshots
from models.artifacts import save_artifact
from models.forecaster import FORMAT_VERSION
from models.holder import ModelHolder, ModelUnavailableError, Snapshot, load_validated
from models.pipeline import run_training
from models.publishing import publish_masters
from models.registry import get_version, master_versions, promote
from services.retraining import list_jobs, retrain_after_refusal
from tests.ops.conftest import OpsServices


class Clock:
    """A hand-moved monotonic clock, so TTL expiry is decided by the test, not by sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingLoader:
    """The real loader, counting how often each artifact is loaded."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, path: str, level: str) -> object:
        with self._lock:
            self.calls.append(path)
        return load_validated(path, level)


def _candidates(services: OpsServices) -> dict[str, str]:
    """Train again without promotion: one new registered version per level."""
    outcomes = run_training(services.engine, services.config, promote=False, source="test")
    return {level: o.version_id for level, o in outcomes.items()}


def test_loads_every_master_and_forecasts(trained: OpsServices) -> None:
    holder = ModelHolder(trained.engine, poll_seconds=60)
    snap = holder.snapshot()
    assert dict(snap.versions) == master_versions(trained.engine)
    assert set(snap.models) == {"store", "category", "product"}
    frame = holder.forecast("store", "store=S1", 3)
    assert list(frame.columns) == ["date", "forecast", "lower", "upper"]
    assert len(frame) == 3 and (frame["forecast"] >= 0).all()


def test_swap_after_ttl_and_old_snapshot_stays_whole(trained: OpsServices) -> None:
    """Served from artifacts (nothing published): the holder reconciles the MASTERs itself."""
    clock = Clock()
    loader = CountingLoader()
    holder = ModelHolder(trained.engine, poll_seconds=2, clock=clock, loader=loader, serve_store=False)
    before = holder.snapshot()
    assert before.coherence is not None and before.coherence.coherent, before.coherence
    new = _candidates(trained)
    promote(trained.engine, new["store"], reason="test", actor="test")
    assert holder.snapshot() is before  # TTL not expired: no registry check yet
    clock.now += 2.5
    after = holder.snapshot()
    assert after is not before
    assert after.versions["store"] == new["store"]
    assert after.versions["product"] == before.versions["product"]
    assert len(loader.calls) == 4  # unchanged levels are not reloaded (only re-reconciled with the new one)
    assert after.coherence is not None and after.coherence.coherent, after.coherence
    # A reader holding the old snapshot still sees one consistent version per level.
    assert before.versions["store"] != new["store"]
    assert before.get("store").version == before.versions["store"]
    assert after.get("store").version == new["store"]


def test_published_snapshots_serve_the_reconciled_numbers(trained: OpsServices) -> None:
    """Served from the store: a new MASTER serves its artifact (own numbers, said so) until it is
    published; publishing it re-publishes the other levels reconciled with it, and every level then
    serves a snapshot whose numbers add up."""
    clock = Clock()
    holder = ModelHolder(trained.engine, poll_seconds=1, clock=clock)
    before = holder.snapshot()
    assert all(before.served[lv] is not None for lv in before.versions)
    assert before.coherence is not None and before.coherence.coherent, before.coherence
    new = _candidates(trained)["store"]
    promote(trained.engine, new, reason="test", actor="test")
    clock.now += 1.5
    mixed = holder.snapshot()
    assert mixed.served["store"] is None and mixed.coherence is not None and not mixed.coherence.coherent
    assert "store" in mixed.coherence.reason
    done = publish_masters(trained.engine, trained.config, reason="promotion", levels=["store"])
    assert sorted(p.level for p in done) == ["category", "product", "store"]
    reasons = {
        lv: s.reason for lv, s in served_snapshots(trained.engine, master_versions(trained.engine)).items()
    }
    assert reasons == {"store": "promotion", "category": "coherence", "product": "coherence"}
    clock.now += 1.5
    after = holder.snapshot()
    assert after.versions["store"] == new and all(after.served[lv] is not None for lv in after.versions)
    assert after.coherence is not None and after.coherence.coherent, after.coherence
    total = holder.forecast("store", "store=*", 14, snapshot=after)["forecast"].sum()
    stores = [sid for sid in after.get("store").series_ids if sid != "store=*"]
    by_store = sum(holder.forecast("store", sid, 14, snapshot=after)["forecast"].sum() for sid in stores)
    assert by_store == pytest.approx(total, rel=1e-5)


def test_forecast_cache_is_per_version(trained: OpsServices) -> None:
    clock = Clock()
    holder = ModelHolder(trained.engine, poll_seconds=1, clock=clock)
    first = holder.forecast("category", "store=*|category=C1", 4)
    again = holder.forecast("category", "store=*|category=C1", 4)
    assert first.equals(again) and first is not again  # callers get copies, the cache stays intact
    first.loc[0, "forecast"] = -1.0
    assert holder.forecast("category", "store=*|category=C1", 4).loc[0, "forecast"] >= 0
    assert holder.status()["cached_forecasts"] == 1
    promote(trained.engine, _candidates(trained)["category"], reason="test", actor="test")
    clock.now += 1.5
    holder.forecast("category", "store=*|category=C1", 4)
    assert holder.status()["cached_forecasts"] == 1  # the old version's entry was dropped on the swap


def test_broken_artifact_is_refused_and_previous_master_keeps_serving(trained: OpsServices) -> None:
    clock = Clock()
    loader = CountingLoader()
    holder = ModelHolder(trained.engine, poll_seconds=1, clock=clock, loader=loader)
    old = holder.snapshot().versions["store"]
    new = _candidates(trained)["store"]
    promote(trained.engine, new, reason="test", actor="test")
    Path(get_version(trained.engine, new).artifact_path).write_bytes(b"not a joblib file")  # corrupted later
    loads = len(loader.calls)
    clock.now += 1.5
    snap = holder.snapshot()
    assert snap.versions["store"] == old
    assert len(holder.forecast("store", "store=S1", 2)) == 2
    refused = holder.status()["refused"]["store"]
    assert refused["version"] == new and "cannot be read" in refused["error"]
    assert len(loader.calls) == loads + 1
    for _ in range(5):  # no hot loop: later checks inside the back-off do not reload it
        clock.now += 1.5
        holder.snapshot()
    assert len(loader.calls) == loads + 1
    clock.now += 60  # after the back-off it tries again (still broken: still refused)
    holder.snapshot()
    assert len(loader.calls) == loads + 2
    assert holder.versions()["store"] == old


def test_concurrent_readers_load_a_new_master_once(trained: OpsServices) -> None:
    clock = Clock()
    loader = CountingLoader()
    holder = ModelHolder(trained.engine, poll_seconds=1, clock=clock, loader=loader)
    holder.snapshot()
    new = _candidates(trained)["product"]
    promote(trained.engine, new, reason="test", actor="test")
    clock.now += 1.5
    loads = len(loader.calls)
    seen: list[Snapshot] = []
    barrier = threading.Barrier(8)

    def read() -> None:
        barrier.wait()
        seen.append(holder.snapshot())

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loader.calls) == loads + 1
    assert holder.versions()["product"] == new
    assert all(s.get("product").version == s.versions["product"] for s in seen)


def test_missing_level_and_bad_settings_give_clear_errors(services: OpsServices) -> None:
    holder = ModelHolder(services.engine, poll_seconds=1)
    with pytest.raises(ModelUnavailableError, match="no MASTER model is loaded for level 'store'"):
        holder.get("store")
    with pytest.raises(ValueError, match="poll_seconds must be positive"):
        ModelHolder(services.engine, poll_seconds=0)


def test_poller_thread_picks_up_a_promotion(trained: OpsServices) -> None:
    holder = ModelHolder(trained.engine, poll_seconds=0.05)
    holder.snapshot()
    new = _candidates(trained)["store"]
    holder.start_polling()
    try:
        promote(trained.engine, new, reason="test", actor="test")
        done = threading.Event()
        for _ in range(200):
            if holder.versions()["store"] == new:
                done.set()
                break
            done.wait(0.05)
        assert done.is_set(), holder.status()
    finally:
        holder.stop_polling()


class GatedLoader:
    """The real loader, held at a gate: the first load of a fresh worker taking as long as the test says."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.gate = threading.Event()

    def __call__(self, path: str, level: str) -> object:
        self.entered.set()
        assert self.gate.wait(60), "the test never opened the gate"
        return load_validated(path, level)


def test_a_fresh_worker_waits_for_its_first_load_instead_of_answering_no_model(trained: OpsServices) -> None:
    """A request that reaches a just-started worker while its poller is loading the MASTERs gets them
    once loaded; before the fix it got "no MASTER model is loaded (loaded levels: none)" (404 from the
    API: 26 of the first 40 requests of a fresh 2-worker gunicorn in one trial)."""
    loader = GatedLoader()
    holder = ModelHolder(trained.engine, poll_seconds=60, loader=loader, serve_store=False)
    holder.start_polling()
    try:
        assert loader.entered.wait(60)  # the poller's first load is under way
        seen: list[Snapshot] = []
        reader = threading.Thread(target=lambda: seen.append(holder.snapshot()))
        reader.start()
        reader.join(timeout=0.5)  # the old code answered (empty) at once; the fix keeps it waiting
        loader.gate.set()
        reader.join(timeout=60)
        assert seen and set(seen[0].models) == {"store", "category", "product"}
        assert dict(seen[0].versions) == master_versions(trained.engine)
    finally:
        loader.gate.set()
        holder.stop_polling()


def test_broken_master_with_nothing_to_fall_back_on_says_so_on_the_page(trained: OpsServices) -> None:
    """A worker that starts on a broken MASTER artifact: the page says the model could not be loaded
    (not "no model yet"), the refusal is audited once, and /admin/health lists it."""
    version = master_versions(trained.engine)["store"]
    Path(get_version(trained.engine, version).artifact_path).write_bytes(b"not a joblib file")
    published = served_snapshots(trained.engine, master_versions(trained.engine))["store"]
    companion(published, META_SUFFIX).write_bytes(b"not JSON either")  # no snapshot to serve from
    clock = Clock()
    holder = ModelHolder(trained.engine, poll_seconds=1, clock=clock)
    assert "store" not in holder.snapshot().versions and holder.refused_version("store") == version
    clock.now += 600  # a retry after the back-off: refused again, but audited only once
    holder.snapshot()
    cache = CatalogueCache(trained.engine, silent_days=trained.config.store_silent_days)
    out = render_view(holder, trained.engine, cache, ViewState(tab="store"))
    assert "could not be loaded; the administrator has been told" in str(out.card)
    assert "could not be loaded" in str(out.alert) and "No model yet" not in str(out.alert)
    with Session(trained.engine) as session:
        events = [e for e in audit_events(session) if e.action == "model_refused"]
    assert [(e.actor, e.detail["level"], e.detail["version"]) for e in events] == [
        ("system", "store", version)
    ]
    assert holder.status()["refused"]["store"]["version"] == version


def _refusing_holder(services: OpsServices, clock: Clock) -> ModelHolder:
    """A holder wired as the app wires it: a refused format queues a retrain."""
    return ModelHolder(
        services.engine,
        poll_seconds=1,
        clock=clock,
        on_refused=lambda level, version, error: retrain_after_refusal(services, level, version, error),
    )


def test_artifact_of_a_newer_format_is_refused_clearly_and_queues_a_retrain(trained: OpsServices) -> None:
    clock = Clock()
    holder = _refusing_holder(trained, clock)
    old = holder.snapshot().versions["product"]
    assert list_jobs(trained, limit=5) == []
    new = _candidates(trained)["product"]
    promote(trained.engine, new, reason="test", actor="test")
    path = get_version(trained.engine, new).artifact_path
    newer = joblib.load(path)
    object.__setattr__(newer, "format_version", FORMAT_VERSION + 1)  # rewritten by a later release
    save_artifact(newer, path)
    clock.now += 1.5
    snap = holder.snapshot()
    assert snap.versions["product"] == old  # the previous MASTER keeps serving
    error = holder.status()["refused"]["product"]["error"]
    assert f"format {FORMAT_VERSION + 1}, newer than this engine reads" in error and "retrain" in error
    jobs = list_jobs(trained, limit=5)
    assert [(j.trigger, j.status, j.levels) for j in jobs] == [("model_refused", "queued", None)]
    clock.now += 120  # retried after the back-off: refused again, but no second job
    holder.snapshot()
    assert len(list_jobs(trained, limit=5)) == 1
    with Session(trained.engine) as session:
        actions = [e.action for e in audit_events(session)]
    assert "model_refused" in actions and "retrain_requested" in actions


def test_a_corrupt_artifact_queues_no_retrain(trained: OpsServices) -> None:
    clock = Clock()
    holder = _refusing_holder(trained, clock)
    holder.snapshot()
    new = _candidates(trained)["store"]
    promote(trained.engine, new, reason="test", actor="test")
    Path(get_version(trained.engine, new).artifact_path).write_bytes(b"not a joblib file")
    clock.now += 1.5
    holder.snapshot()
    assert holder.refused_version("store") == new
    assert list_jobs(trained, limit=5) == []
