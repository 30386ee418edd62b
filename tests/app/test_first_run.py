"""`init --demo` — the first `make run`: demo data loaded, first MASTERs trained, then idempotent."""

from __future__ import annotations

from data.storage import sales_summary
from models.registry import master_versions
from tests.support.apps import FAST_TRAINING, make_test_app


def test_init_demo_loads_data_trains_every_level_and_second_run_changes_nothing(tmp_path):
    server = make_test_app(tmp_path, **FAST_TRAINING, ADMIN_PASSWORD="first-admin-pass").server
    engine = server.extensions["trendsales"].engine
    runner = server.test_cli_runner()

    first = runner.invoke(args=["init", "--demo"])
    assert first.exit_code == 0, first.output
    summary = sales_summary(engine)
    assert summary["rows"] > 300_000 and summary["stores"] == 10 and summary["frequency"] == "D"
    masters = master_versions(engine)
    assert set(masters) == {"store", "category", "product"}
    assert "promoted" in first.output

    second = runner.invoke(args=["init", "--demo"])
    assert second.exit_code == 0, second.output
    assert "Loading the demo data" not in second.output and "Training" not in second.output
    assert master_versions(engine) == masters
    assert sales_summary(engine)["rows"] == summary["rows"]
