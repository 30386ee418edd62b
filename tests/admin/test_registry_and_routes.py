"""Registry panel on real trained versions: grid rows, compare, promote/rollback, report; download routes."""

from __future__ import annotations

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
from models.registry import get_version, list_versions, master_versions, promote
from tests.admin.conftest import small_sales, write_csv


def test_grid_rows_show_metrics_status_and_data_range(trained):
    services, first, second = trained
    rows = {r["id"]: r for r in version_rows(list_versions(services.engine))}
    assert rows[first]["status"] == "MASTER" and rows[second]["status"] == "candidate"
    assert 0 < rows[first]["wape"] < 100 and rows[first]["baseline_wape"] is not None
    assert rows[first]["data_range"].startswith("2025-01-0") and rows[first]["data_range"].endswith(
        "→ 2025-06-30"
    )
    assert selected_ids([{"id": second}, {"x": 1}, None]) == [second]


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
