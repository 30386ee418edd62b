"""The multi-host configuration: the same schema and critical writes on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest
from sqlalchemy import func, inspect, select

from data import accounts
from data.db import current_revision, make_session_factory, session_scope, upgrade_database
from data.schema import Base, Sale, TrainingJob
from data.storage import import_sales_files, list_products, list_stores, load_revenue_series
from data.validation import SalesFileError
from scheduler.jobstore import claim_job, request_job
from scheduler.leader import LeaderLease
from tests.support.races import (
    assert_concurrent_admin_deactivations_keep_one,
    assert_concurrent_wrong_passwords_are_throttled,
)


def _write_csv(path, rows: list[tuple[str, str, str, str, float]]) -> str:
    frame = pd.DataFrame(rows, columns=["date", "store", "category", "product", "revenue"])
    frame.to_csv(path, index=False)
    return str(path)


def _sales_count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Sale))


def test_migrations_are_complete_and_idempotent(pg_engine):
    assert set(Base.metadata.tables) <= set(inspect(pg_engine).get_table_names())
    revision = current_revision(pg_engine)
    upgrade_database(pg_engine)
    assert current_revision(pg_engine) == revision


def test_import_replace_and_identical_reimport(pg_engine, tmp_path):
    first = _write_csv(
        tmp_path / "a.csv",
        [
            ("2025-01-01", "S1", "Food", "Rice", 10.0),
            ("2025-01-02", "S1", "Food", "Rice", 12.0),
            ("2025-01-01", "S2", "Food", "Beans", 5.0),
        ],
    )
    (result,) = import_sales_files(pg_engine, [first], uploaded_by="test", upload_dir=tmp_path / "up")
    assert (result.rows_new, result.rows_replaced) == (3, 0)
    second = _write_csv(
        tmp_path / "b.csv",
        [("2025-01-02", "S1", "Food", "Rice", 20.0), ("2025-01-03", "S1", "Food", "Rice", 7.0)],
    )
    (result,) = import_sales_files(pg_engine, [second], uploaded_by="test", upload_dir=tmp_path / "up")
    assert (result.rows_new, result.rows_replaced) == (1, 1)
    (again,) = import_sales_files(pg_engine, [second], uploaded_by="test", upload_dir=tmp_path / "up")
    assert again.status == "unchanged" and again.rows_new == 0 and again.rows_replaced == 0
    assert _sales_count(pg_engine) == 4
    series = load_revenue_series(pg_engine, store="S1")
    assert series.loc[pd.Timestamp("2025-01-02")] == pytest.approx(20.0)
    assert list_stores(pg_engine) == ["S1", "S2"]
    assert {p for p, _ in list_products(pg_engine, category="Food")} == {"Rice", "Beans"}


def test_bad_file_writes_nothing(pg_engine, tmp_path):
    good = _write_csv(tmp_path / "good.csv", [("2025-01-01", "S1", "Food", "Rice", 10.0)])
    bad = tmp_path / "bad.csv"
    bad.write_text("date,store,category,product,revenue\n2025-01-02,S1,Food,Rice,-4\n")
    with pytest.raises(SalesFileError) as excinfo:
        import_sales_files(pg_engine, [good, str(bad)], uploaded_by="test", upload_dir=tmp_path / "up")
    assert any(p.row == 2 and p.column == "revenue" for p in excinfo.value.problems)
    assert _sales_count(pg_engine) == 0


def test_accounts_and_login_throttling(pg_engine):
    sessions = make_session_factory(pg_engine)
    with session_scope(sessions) as session:
        accounts.create_user(session, "ana", "ana-password-1", role="admin")
    with session_scope(sessions) as session:
        bad = accounts.authenticate(
            session, "ana", "wrong", address="1.2.3.4", max_failures=3, window_minutes=5
        )
        good = accounts.authenticate(
            session, "ANA", "ana-password-1", address="1.2.3.4", max_failures=3, window_minutes=5
        )
    assert bad.user is None and good.user is not None and good.user.role == "admin"


def test_concurrent_retrain_requests_give_one_job_and_one_claim(pg_engine):
    results = []

    def ask(i: int) -> None:
        results.append(request_job(pg_engine, trigger="manual", requested_by=f"admin{i}"))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    job_ids = {r.job_id for r in results}
    assert len(job_ids) == 1
    with pg_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(TrainingJob)) == 1
    (job_id,) = job_ids
    claims = [claim_job(pg_engine, job_id, f"runner-{i}") for i in range(3)]
    assert claims.count(True) == 1


def test_leader_lease_has_one_holder_and_expires(pg_engine):
    first = LeaderLease(pg_engine, holder="host-a", ttl_seconds=30)
    second = LeaderLease(pg_engine, holder="host-b", ttl_seconds=30)
    assert first.try_acquire() is True
    assert second.try_acquire() is False
    assert first.try_acquire() is True  # renewal
    short = LeaderLease(pg_engine, name="short", holder="host-a", ttl_seconds=0.001)
    assert short.try_acquire() is True
    other = LeaderLease(pg_engine, name="short", holder="host-b", ttl_seconds=30)
    deadline = dt.datetime.now() + dt.timedelta(seconds=5)
    while not other.try_acquire():
        assert dt.datetime.now() < deadline, "expired lease was never taken over"


def test_two_admins_deactivating_each_other_at_once_leave_one_active(pg_engine):
    """PostgreSQL: the active admin rows are locked, so the second call counts again after the first."""
    assert_concurrent_admin_deactivations_keep_one(make_session_factory(pg_engine))


def test_concurrent_wrong_passwords_run_at_most_the_limit_of_password_checks(pg_engine):
    assert_concurrent_wrong_passwords_are_throttled(make_session_factory(pg_engine))


def test_undo_restores_refuses_and_status_reports_on_postgresql(pg_engine, tmp_path):
    """Keeping replaced values, the set-based restore (UPDATE … FROM), refusals and the status queries."""
    from types import SimpleNamespace

    from data.queries import rows_changed_since, store_reporting
    from data.schema import AuditEvent, utc_now
    from services.data_status import data_status
    from services.undo import undo_upload

    up = tmp_path / "up"
    a = _write_csv(
        tmp_path / "a.csv",
        [("2025-01-01", "S1", "Food", "Rice", 10.5), ("2025-01-02", "S1", "Food", "Rice", 12.25),
         ("2025-01-01", "S2", "Food", "Beans", 5.0)],
    )  # fmt: skip
    b = _write_csv(
        tmp_path / "b.csv",
        [("2025-01-02", "S1", "Food", "Rice", 20.0), ("2025-01-03", "S1", "Food", "Rice", 7.0),
         ("2025-01-03", "S3", "Drinks", "Cola", 1.0)],
    )  # fmt: skip
    (first,) = import_sales_files(pg_engine, [a], uploaded_by="test", upload_dir=up)
    with pg_engine.connect() as conn:
        after_a = conn.execute(
            select(Sale.store, Sale.product, Sale.date, Sale.revenue, Sale.upload_id)
        ).all()
    (second,) = import_sales_files(pg_engine, [b], uploaded_by="test", upload_dir=up)
    services = SimpleNamespace(engine=pg_engine, sessions=make_session_factory(pg_engine))

    status = data_status(pg_engine, silent_days=35)
    assert [(r.store, str(r.last_date)) for r in store_reporting(pg_engine)] == [
        ("S1", "2025-01-03"), ("S2", "2025-01-01"), ("S3", "2025-01-03"),
    ]  # fmt: skip
    assert str(status.complete_through) == "2025-01-01"

    refused = undo_upload(services, first.upload_id, actor="ana")
    assert refused.done is None and f"upload {second.upload_id} (b.csv) changed 1 of them" in refused.refusal
    mark = utc_now()
    done = undo_upload(services, second.upload_id, actor="ana").done
    assert done is not None and (done.restores, done.deletes) == (1, 2)
    with pg_engine.connect() as conn:
        now = conn.execute(select(Sale.store, Sale.product, Sale.date, Sale.revenue, Sale.upload_id)).all()
        actions = conn.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert sorted(now) == sorted(after_a)
    assert list_stores(pg_engine) == ["S1", "S2"]
    assert rows_changed_since(pg_engine, mark) == 3
    assert actions == ["upload_undo_refused", "upload_undo"]
    assert undo_upload(services, second.upload_id, actor="ana").refusal.endswith("by ana)")


def test_the_compact_catalogue_reads_stores_in_the_servers_collation_order(pg_engine):
    """``carried_index`` relies only on each store's rows being contiguous (PostgreSQL's ORDER BY may
    follow a linguistic collation: 'b' before 'C', accents folded) and answers as ``carried_products``."""
    from data.queries import carried_index, carried_products
    from data.storage import import_sales_frame

    pairs = [("b", "Rice"), ("C", "Beans"), ("a", "Rice"), ("Ágape", "Açúcar"), ("B", "Cola"), ("b", "Cola")]
    days = pd.date_range("2025-01-06", periods=2, freq="D")
    frame = pd.DataFrame(
        [(d, s, "Food", p, 5.0) for s, p in pairs for d in days],
        columns=["date", "store", "category", "product", "revenue"],
    )
    import_sales_frame(pg_engine, frame, filename="a.csv", uploaded_by="t")
    index = carried_index(pg_engine, batch=2)
    assert index == {s: frozenset(p) for s, p in carried_products(pg_engine).items()}
    assert index.carries("b", "Cola") and index.carries("Ágape", "Açúcar") and not index.carries("B", "Rice")
