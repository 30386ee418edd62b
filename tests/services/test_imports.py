"""The import use case: preview, import and audit, the same from Admin › Data and ``data import``."""

from __future__ import annotations

import base64
from pathlib import Path

from sqlalchemy import func, select

from callbacks.admin.uploads import confirm_import, stage_and_preview
from data.schema import Sale, Upload
from services.imports import import_sales, preview_import, upload_history

HEADER = "date,store,category,product,revenue"
GOOD = f"{HEADER}\n2025-01-01,S1,C1,P1,10.5\n2025-01-02,S1,C1,P1,11\n2025-01-02,S1,C1,P2,4\n"
BAD = f"{HEADER}\n2025-01-01,S1,C1,P1,10\n2025-13-01,S1,C1,P1,-4\n2025-01-03,,C1,P1,1\n"


def _write(folder: Path, name: str, content: str) -> Path:
    path = folder / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def _counts(services) -> tuple[int, list[str]]:
    """(sales rows, upload statuses oldest first)."""
    with services.engine.connect() as conn:
        sales = conn.scalar(select(func.count()).select_from(Sale))
        statuses = conn.scalars(select(Upload.status).order_by(Upload.id)).all()
    return sales, list(statuses)


def test_a_good_file_is_previewed_without_writing_then_imported_and_audited(services, tmp_path, audit_events):
    path = _write(tmp_path, "jan.csv", GOOD)
    preview = preview_import(services, [path], actor="ana")
    assert preview.rejection is None
    assert [(p.filename, p.rows_read, p.rows_new) for p in preview.previews] == [("jan.csv", 3, 3)]
    assert _counts(services) == (0, []) and audit_events() == []  # a preview writes nothing
    outcome = import_sales(services, [path], actor="ana")
    assert outcome.rejection is None
    assert [(r.filename, r.status, r.rows_new) for r in outcome.results] == [("jan.csv", "imported", 3)]
    assert _counts(services) == (3, ["imported"])
    assert audit_events() == [
        (
            "ana",
            "upload",
            {"files": ["jan.csv"], "rows_new": 3, "rows_replaced": 0, "statuses": {"jan.csv": "imported"}},
        )
    ]
    [record] = upload_history(services)
    assert (record.filename, record.uploaded_by, record.status, record.has_raw_file) == (
        "jan.csv",
        "ana",
        "imported",
        True,
    )


def test_a_bad_file_writes_no_sales_and_records_the_error_and_the_attempt(services, tmp_path, audit_events):
    path = _write(tmp_path, "bad.csv", BAD)
    preview = preview_import(services, [path], actor="ana")
    assert preview.previews == [] and preview.rejection is not None
    assert preview.rejection.files == ["bad.csv"] and preview.rejection.total == 3
    where = {(p.row, p.column) for p in preview.rejection.problems}
    assert where == {(3, "date"), (3, "revenue"), (4, "store")}
    assert _counts(services) == (0, [])
    outcome = import_sales(services, [path], actor="ana")
    assert outcome.results == [] and outcome.rejection == preview.rejection
    assert _counts(services) == (0, ["rejected"])
    [record] = upload_history(services)
    assert record.error.startswith("Sales file rejected (3 problems)") and "negative revenue" in record.error
    assert audit_events() == [
        ("ana", "upload_rejected", {"files": ["bad.csv"], "problems": 3, "stage": "preview"}),
        ("ana", "upload_rejected", {"files": ["bad.csv"], "problems": 3}),
    ]


def test_data_import_writes_the_audit_row_the_console_upload_writes(services, server, tmp_path, audit_events):
    runner = server.test_cli_runner()
    path = _write(tmp_path, "jan.csv", GOOD)
    result = runner.invoke(args=["data", "import", "--quiet", "--user", "ana", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "jan.csv: imported — 3 rows read, 3 new, 0 replaced, 0 unchanged; frequency D; "
        "dates 2025-01-01 to 2025-01-02\n"
    )
    later = GOOD.replace("2025-01-0", "2025-01-1")
    url = "data:text/csv;base64," + base64.b64encode(later.encode()).decode()
    _, token, ok = stage_and_preview(services, [url], ["feb.csv"], actor="admin")
    assert ok
    confirm_import(services, token, "admin")
    cli_event, console_event = audit_events()
    assert cli_event == (
        "ana",
        "upload",
        {"files": ["jan.csv"], "rows_new": 3, "rows_replaced": 0, "statuses": {"jan.csv": "imported"}},
    )
    assert console_event == (
        "admin",
        "upload",
        {"files": ["feb.csv"], "rows_new": 3, "rows_replaced": 0, "statuses": {"feb.csv": "imported"}},
    )


def test_data_import_of_a_bad_file_exits_1_and_audits_the_rejection(services, server, tmp_path, audit_events):
    path = _write(tmp_path, "bad.csv", BAD)
    result = server.test_cli_runner().invoke(args=["data", "import", "--quiet", str(path)])
    assert result.exit_code == 1
    assert "Rejected: 3 problem(s); no sales data was changed." in result.output
    assert _counts(services) == (0, ["rejected"])
    assert audit_events() == [("cli", "upload_rejected", {"files": ["bad.csv"], "problems": 3})]
