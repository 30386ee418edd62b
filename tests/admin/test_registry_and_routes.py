"""Registry panel on real trained versions: grid rows, compare, promote/rollback, report; download routes."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from callbacks.admin.registry import (
    compare_versions,
    metric_rows,
    promote_question,
    report_markdown,
    selected_ids,
    version_rows,
)
from data.storage import import_sales_files
from models.pipeline import run_training
from models.promotion import TIE_RULE
from models.registry import get_version, list_versions, master_versions, promote
from services.promotion import scores_on_master_folds
from tests.admin.conftest import small_sales, write_csv
from tests.support.apps import FAST_TRAINING


def test_grid_rows_show_metrics_status_and_data_range(trained):
    services, first, second = trained
    rows = {r["id"]: r for r in version_rows(list_versions(services.engine))}
    assert rows[first]["status"] == "MASTER" and rows[second]["status"] == "candidate"
    assert 0 < rows[first]["wape"] < 100 and rows[first]["baseline_wape"] is not None
    # dates in the numbers' format (pt_BR outside a request): day/month/year
    assert re.fullmatch(r"0\d/01/2025 → 30/06/2025", rows[first]["data_range"])
    # the grid cell is the time in TRENDSALES_TIMEZONE; the column header's tooltip names the zone
    assert re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}\W[AP]M", rows[first]["created_at_text"])
    assert selected_ids([{"id": second}, {"x": 1}, None]) == [second]


def test_versions_are_compared_on_the_masters_folds(trained):
    """The MASTER and the version it replaced carry a WAPE on the same folds; others say so."""
    services, first, second = trained
    promote(services.engine, second, actor="admin", reason="rollback test")
    scores = scores_on_master_folds(services.engine)
    # The new MASTER's own back-test, and the old MASTER as its decision re-scored it on the same folds.
    assert set(scores) == {first, second}
    rows = {r["id"]: r for r in version_rows(list_versions(services.engine), scores)}
    assert rows[second]["master_folds_wape"] == rows[second]["wape"]
    assert rows[first]["master_folds_wape"] is not None
    unscored = {r["id"]: r for r in version_rows(list_versions(services.engine))}
    assert unscored[first]["master_folds_wape_text"] == "not scored"


def test_a_judged_master_carries_the_replaced_masters_score_on_its_folds(trained, tmp_path):
    services, first, _ = trained
    config = services.config.with_overrides(FAST_TRAINING)
    newer = small_sales(end=dt.date(2025, 7, 31))
    import_sales_files(
        services.engine,
        [write_csv(newer, tmp_path / "newer.csv")],
        uploaded_by="test",
        upload_dir=tmp_path / "uploads",
    )
    outcome = run_training(services.engine, config, levels=["store"], source="test")["store"]
    decision = outcome.decision
    scores = scores_on_master_folds(services.engine)
    master = master_versions(services.engine)["store"]
    assert master == decision.version_id and scores[first] == pytest.approx(decision.master_wape)
    assert "same folds" in TIE_RULE and "newer sales" in TIE_RULE


def test_compare_two_versions_shows_metrics_and_both_backtests(trained):
    services, first, second = trained
    table = metric_rows(get_version(services.engine, first), get_version(services.engine, second))
    assert table[0]["metric"] == "Typical error (WAPE)" and len(table[0]["values"]) == 2
    assert not any("_" in row["metric"] or "{" in str(row["values"]) for row in table)  # no keys, no JSON
    panel = compare_versions(services.engine, first, second)
    graph = next(c for c in panel.children if type(c).__name__ == "Graph")
    names = [trace.name for trace in graph.figure.data]
    assert names == ["actual", first, second]
    assert len(graph.figure.data[1].x) > 0


def test_rollback_through_the_registry_and_the_confirmation_text(trained):
    services, first, second = trained
    question = promote_question(services.engine, second)
    assert question.startswith(f"Make {second} the MASTER of the store level, replacing {first}?")
    promote(services.engine, second, reason="test", actor="admin")
    assert master_versions(services.engine)["store"] == second
    assert "already is the MASTER" in promote_question(services.engine, second)


def test_report_markdown_is_the_training_report(trained):
    services, first, _ = trained
    text = report_markdown(get_version(services.engine, first))
    assert text.startswith(f"# Training report — store level, version `{first}`")


def test_admin_downloads_report_raw_upload_and_audit(admin_client, trained, tmp_path):
    services, first, _ = trained
    path = write_csv(small_sales(), tmp_path / "julho.csv")
    upload = import_sales_files(
        services.engine, [path], uploaded_by="admin", upload_dir=services.config.upload_dir
    )
    raw = admin_client.get(f"/admin/uploads/{upload[0].upload_id}/raw")
    assert raw.status_code == 200 and raw.data == path.read_bytes()
    assert "julho.csv" in raw.headers["Content-Disposition"]
    md = admin_client.get(f"/admin/models/{first}/report.md")
    assert md.status_code == 200 and md.data.startswith(b"# Training report")
    assert admin_client.get(f"/admin/models/{first}/report.json").get_json()["version"] == first
    assert admin_client.get(f"/admin/models/{first}/report.exe").status_code == 404
    assert admin_client.get("/admin/models/nope/report.md").status_code == 404
    assert admin_client.get("/admin/uploads/999/raw").status_code == 404
    audit = admin_client.get("/admin/audit.csv")
    assert audit.status_code == 200 and audit.mimetype == "text/csv"
    assert audit.get_data(as_text=True).splitlines()[0] == "at,actor,action,detail,summary"


@pytest.mark.parametrize("rows", [None, [], [{"id": "a"}, {"id": "b"}, {"id": "c"}]])
def test_selected_ids_tolerates_any_selection(rows):
    assert len(selected_ids(rows)) == len(rows or [])
