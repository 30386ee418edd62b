"""Serving from the forecast store with real gunicorn workers: a sales import through the CLI publishes
a new snapshot (origin moved, no training), and every worker switches to it within the poll interval
while a client keeps forecasting — no failed request, no answer mixing the two snapshots."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from app.config import Settings
from data.accounts import create_user
from data.db import make_engine, make_session_factory, session_scope, upgrade_database
from data.forecast_store import served_snapshots
from data.schema import ModelVersion
from data.storage import import_sales_frame
from models.pipeline import run_training
from models.registry import master_versions
from tests.ops.live import Client
from tests.ops.sample import monthly_sales
from tests.support.apps import FAST_TRAINING, fast_training_env
from tests.support.live_server import (
    LiveServer,
    app_environment,
    flask_cli,
    start_server,
    wait_all_workers,
)

pytestmark = pytest.mark.multiprocess

POLL_SECONDS = 1.0
PASSWORD = "store-admin-pass-123"


@dataclass
class Served:
    """A prepared instance and the gunicorn (2 workers) serving it."""

    env: dict[str, str]
    engine: Engine
    instance: Path
    server: LiveServer


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    env = app_environment(
        tmp_path,
        **fast_training_env(),
        TRENDSALES_MODEL_POLL_SECONDS=str(POLL_SECONDS),
        TRENDSALES_ACCESS_LOG="",
        TRENDSALES_ADMIN_PASSWORD=PASSWORD,
        TRENDSALES_SECRET_KEY="store-hot-swap-secret-key-0123456789",  # workers must not race to create one
    )
    engine = make_engine(env["TRENDSALES_DATABASE_URL"])
    upgrade_database(engine)
    with session_scope(make_session_factory(engine)) as session:
        create_user(session, "admin", PASSWORD, role="admin")
    import_sales_frame(engine, monthly_sales(), filename="monthly.csv", uploaded_by="test")
    config = Settings().with_overrides({"MODEL_DIR": str(tmp_path / "models"), **FAST_TRAINING})
    assert all(o.promoted for o in run_training(engine, config, source="test").values())
    server = start_server(env, workers=2)
    yield Served(env, engine, tmp_path, server)
    server.stop()
    engine.dispose()


class Load:
    """A client thread asking for the same forecast until stopped; records (status, first date)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.answers: list[tuple[int, str | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            status, body = self.client.get_json(
                "/api/forecast", level="product", series="store=S1|product=P2", horizon=6
            )
            rows = body.get("rows") or [{}]
            self.answers.append((status, rows[0].get("date")))

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(15)


def _n_versions(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(ModelVersion))


def test_workers_switch_to_the_new_snapshot_after_an_import_with_no_failed_request(served: Served) -> None:
    engine, server = served.engine, served.server
    masters = master_versions(engine)
    first = {lv: s.id for lv, s in served_snapshots(engine, masters).items()}
    wait_all_workers(
        server, lambda h: h["models"]["snapshots"] == first, timeout=30, what="workers on the first snapshots"
    )
    n_versions = _n_versions(engine)
    more = monthly_sales(months=63)
    csv = served.instance / "more.csv"
    more[more["date"] >= "2024-01-01"].assign(date=lambda f: f["date"].dt.strftime("%Y-%m-%d")).to_csv(
        csv, index=False
    )
    client = Client(server.url, "admin", PASSWORD)
    with Load(client) as load:
        time.sleep(0.5)  # some answers on the first snapshot (the load is what is measured, not a wait)
        flask_cli(served.env, "data", "import", str(csv))
        after = {lv: s.id for lv, s in served_snapshots(engine, masters).items()}
        published_at = time.time()
        assert all(after[lv] != first[lv] for lv in masters)
        wait_all_workers(
            server, lambda h: h["models"]["snapshots"] == after, timeout=POLL_SECONDS + 10, what="switch"
        )
        switch_seconds = time.time() - published_at
        wait_count = len(load.answers)
        while len(load.answers) < wait_count + 5:
            time.sleep(0.05)
    assert switch_seconds <= POLL_SECONDS + 5
    assert master_versions(engine) == masters and _n_versions(engine) == n_versions  # no training
    statuses = [status for status, _ in load.answers]
    assert set(statuses) == {200}, [a for a in load.answers if a[0] != 200][:5]
    dates = [d for _, d in load.answers]
    assert set(dates) == {"2024-01-01", "2024-04-01"}, sorted(set(dates))  # old origin, then the moved one
    assert dates[-1] == "2024-04-01" and dates.index("2024-04-01") > 0
    assert (
        pd.Timestamp(dates[-1])
        == pd.Timestamp(served_snapshots(engine, masters)["product"].origin) + pd.offsets.MonthBegin()
    )
