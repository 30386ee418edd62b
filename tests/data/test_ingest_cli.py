"""The ``data import`` and ``data sample`` commands through the app's CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from data.schema import AuditEvent
from tests.support.apps import make_test_app


@pytest.fixture
def cli(tmp_path: Path):
    """A CLI runner on an app with a temporary, migrated database (``data`` group attached)."""
    server = make_test_app(tmp_path).server
    engine = server.extensions["trendsales"].engine
    yield server.test_cli_runner(), engine, tmp_path / "uploads"
    engine.dispose()


def _sales_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM sales")).scalar_one()


def test_import_prints_counts_and_frequency(cli, sales_csv):
    runner, engine, uploads = cli
    path = sales_csv("jan.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2", "2024-01-02,S1,C,P,2")
    result = runner.invoke(args=["data", "import", "--quiet", str(path)])
    assert result.exit_code == 0, result.output
    assert "jan.csv: imported — 3 rows read, 2 new, 0 replaced, 0 unchanged; frequency D" in result.output
    assert _sales_rows(engine) == 2 and len(list(uploads.iterdir())) == 1
    again = runner.invoke(args=["data", "import", "--quiet", str(path)])
    assert again.exit_code == 0 and "jan.csv: unchanged" in again.output


def test_bad_file_lists_every_problem_and_exits_1(cli, sales_csv):
    runner, engine, _ = cli
    good = sales_csv("good.csv", "2024-01-01,S1,C,P,1", "2024-01-02,S1,C,P,2")
    bad = sales_csv("bad.csv", "2024-01-01,S1,C,P,x", "2024-99-02,,C,P,2")
    result = runner.invoke(args=["data", "import", "--quiet", str(good), str(bad)])
    assert result.exit_code == 1
    assert "bad.csv, row 2, column 'revenue': not a number: 'x'" in result.output
    assert "bad.csv, row 3, column 'store': missing store" in result.output
    assert "bad.csv, row 3, column 'date': unparsable date '2024-99-02'" in result.output
    assert "no sales data was changed" in result.output
    assert _sales_rows(engine) == 0


def test_sample_loads_demo_data(cli, monkeypatch):
    import data.demo

    runner, engine, _ = cli
    real = data.demo.load_demo_data
    # A small demo keeps the test fast; the real loader and importer still run.
    monkeypatch.setattr(
        data.demo,
        "load_demo_data",
        lambda eng, **kw: real(eng, n_stores=2, n_categories=2, n_products=3, **kw),
    )
    result = runner.invoke(args=["data", "sample", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "demo-seed3.csv: imported" in result.output
    assert _sales_rows(engine) > 0
    with engine.connect() as conn:  # an audited import, like an upload
        event = conn.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail)).one()
    assert (event.actor, event.action, event.detail["source"]) == ("cli", "upload", "demo")
    assert event.detail["files"] == ["demo-seed3.csv"] and event.detail["rows_new"] == _sales_rows(engine)
