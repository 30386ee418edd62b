"""Uploads: staging decoded files under a token, preview before writing, transactional import, audit."""

from __future__ import annotations

import base64
import io
import os
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from callbacks.admin.staging import (
    UploadError,
    decode_upload,
    discard,
    purge_old,
    safe_name,
    stage_files,
    staged_paths,
    staging_root,
)
from callbacks.admin.uploads import confirm_import, history_rows, stage_and_preview
from components.admin.uploads import uploads_table
from data.db import make_session_factory
from data.schema import AuditEvent, Sale, Upload
from services.imports import import_sales, preview_import, upload_history
from tests.admin.conftest import small_sales, write_csv


def data_url(raw: bytes, mime: str = "text/csv") -> str:
    return f"data:{mime};base64,{base64.b64encode(raw).decode()}"


GOOD = b"date,store,category,product,revenue\n2025-01-01,S1,C1,P1,10.5\n2025-01-02,S1,C1,P1,11\n"
BAD = b"date,store,category,product,revenue\n2025-01-01,S1,C1,P1,10\n2025-13-01,S1,C1,P1,-4\n"


def test_decode_upload_refuses_large_empty_and_non_base64_files():
    assert decode_upload(data_url(GOOD), "a.csv", max_bytes=1000) == GOOD
    with pytest.raises(
        UploadError, match=r"a\.csv: file is [0-9,]+ bytes, over the upload limit of 1,000 bytes"
    ):
        decode_upload(data_url(b"x" * 5000), "a.csv", max_bytes=1000)
    with pytest.raises(UploadError, match="not base64-encoded"):
        decode_upload("data:text/csv,plain", "a.csv", max_bytes=None)
    with pytest.raises(UploadError, match="not valid base64"):
        decode_upload("data:text/csv;base64,@@@@", "a.csv", max_bytes=None)
    with pytest.raises(UploadError, match="empty"):
        decode_upload("data:text/csv;base64,", "a.csv", max_bytes=None)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("vendas março.csv", "vendas março.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\y.xlsx", "y.xlsx"),
        ("..", "upload-1.csv"),
        ("a;b|c.csv", "a_b_c.csv"),
    ],
)
def test_safe_name_keeps_the_name_but_never_a_folder(given, expected):
    assert safe_name(given) == expected


def test_staged_files_keep_their_order_and_are_discarded(tmp_path):
    root = staging_root(tmp_path)
    token, paths = stage_files(root, [data_url(GOOD), data_url(b"z,1\n")], ["b.csv", "a.csv"], max_bytes=None)
    assert [p.name for p in staged_paths(root, token)] == ["b.csv", "a.csv"]
    assert paths[0].read_bytes() == GOOD
    discard(root, token)
    with pytest.raises(UploadError, match="expired or was already imported"):
        staged_paths(root, token)
    with pytest.raises(UploadError, match="no upload is waiting"):
        staged_paths(root, "../../etc")


def test_a_failing_file_leaves_nothing_staged(tmp_path):
    root = staging_root(tmp_path)
    with pytest.raises(UploadError, match=r"big\.csv"):
        stage_files(root, [data_url(GOOD), data_url(b"x" * 500)], ["ok.csv", "big.csv"], max_bytes=100)
    assert not any(root.iterdir())


def test_purge_removes_only_old_staged_uploads(tmp_path):
    root = staging_root(tmp_path)
    old, _ = stage_files(root, [data_url(GOOD)], ["a.csv"], max_bytes=None)
    new, _ = stage_files(root, [data_url(GOOD)], ["a.csv"], max_bytes=None)
    past = time.time() - 2 * 86400
    os.utime(root / old, (past, past))
    assert purge_old(root) == 1
    assert not (root / old).exists() and (root / new).exists()


def test_preview_writes_nothing_then_import_writes_and_audits(services, tmp_path):
    engine = services.engine
    path = write_csv(small_sales(), tmp_path / "sales.csv")
    preview = preview_import(services, [path], actor="admin")
    previews = preview.previews
    assert preview.rejection is None and previews[0].rows_new > 0 and previews[0].rows_replaced == 0
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Sale)) == 0
    outcome = import_sales(services, [path], actor="admin")
    assert outcome.rejection is None and outcome.results[0].rows_new == previews[0].rows_new
    with services.sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "upload")).one()
        assert event.actor == "admin" and event.detail["rows_new"] == previews[0].rows_new
    history = history_rows(upload_history(services))
    assert history[0]["status"] == "imported" and history[0]["download"].endswith("/raw")
    again = preview_import(services, [path], actor="admin").previews
    assert again[0].rows_new == 0 and again[0].rows_unchanged == previews[0].rows_new


def test_a_bad_file_lists_each_problem_and_writes_no_sales(services, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD)
    preview = preview_import(services, [path], actor="admin")
    assert preview.previews == [] and preview.rejection is not None
    assert {(p.row, p.column) for p in preview.rejection.problems} >= {(3, "date"), (3, "revenue")}
    assert import_sales(services, [path], actor="admin").rejection is not None
    sessions = make_session_factory(services.engine)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Sale)) == 0
        assert session.scalars(select(Upload.status)).all() == ["rejected"]
        rejected = select(AuditEvent.detail).where(AuditEvent.action == "upload_rejected")
        stages = session.scalars(rejected.order_by(AuditEvent.id)).all()
    assert [d.get("stage") for d in stages] == ["preview", None]  # the refused preview, then the import


def test_stage_and_preview_then_confirm(services):
    panel, token, ok = stage_and_preview(services, [data_url(GOOD)], ["jan.csv"])
    assert ok and token and "jan.csv" in str(panel)
    result = confirm_import(services, token, "admin")
    assert "Import finished" in str(result) and "2 new" in str(result)
    assert not (staging_root(services.config.instance_dir) / token).exists()
    assert "upload the files again" in str(confirm_import(services, token, "admin"))


def test_stage_and_preview_of_a_bad_file_shows_the_problems_and_offers_no_import(services):
    panel, token, ok = stage_and_preview(services, [data_url(BAD)], ["bad.csv"], actor="root")
    assert not ok and token is None
    text = str(panel)
    assert "nothing was written" in text and "revenue" in text and "date" in text
    assert not any(Path(services.config.instance_dir, "upload-staging").iterdir())  # nothing kept
    with services.sessions() as session:
        event = session.scalars(select(AuditEvent)).one()
        sales = session.scalar(select(func.count()).select_from(Sale))
    assert (event.actor, event.action, event.detail["stage"], event.detail["files"]) == (
        "root",
        "upload_rejected",
        "preview",
        ["bad.csv"],
    )
    assert sales == 0


def _truncated_xlsx() -> bytes:
    """A workbook whose sheet XML is cut in half (as from an interrupted copy)."""
    book = openpyxl.Workbook()
    book.active.append(["date", "store", "category", "product", "revenue"])
    book.active.append(["2025-01-01", "S1", "C1", "P1", 1])
    buffer, out = io.BytesIO(), io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data[: len(data) // 2] if info.filename.endswith("sheet1.xml") else data)
    return out.getvalue()


def test_a_damaged_xlsx_is_shown_as_a_problem_in_the_preview(services):
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    panel, token, ok = stage_and_preview(services, [data_url(_truncated_xlsx(), xlsx)], ["book.xlsx"])
    assert not ok and token is None
    assert "book.xlsx" in str(panel) and "cannot read the XLSX file" in str(panel)
    assert not any(Path(services.config.instance_dir, "upload-staging").iterdir())


def test_the_preview_checks_files_of_one_upload_together(services):
    first = b"date,store,category,product,revenue\n2025-01-01,S1,C1,P1,1\n2025-01-02,S1,C1,P1,2\n"
    second = b"date,store,category,product,revenue\n2025-01-02,S1,C1,P1,5\n2025-01-03,S1,C1,P1,6\n"
    panel, token, ok = stage_and_preview(services, [data_url(first), data_url(second)], ["a.csv", "b.csv"])
    assert ok and token
    root = staging_root(services.config.instance_dir)
    previews = preview_import(services, staged_paths(root, token), actor="admin").previews
    # b.csv replaces a.csv's 2025-01-02: counted as replaced, not new.
    assert [(p.rows_new, p.rows_replaced) for p in previews] == [(2, 0), (1, 1)]
    assert "in this order" in str(panel)
    discard(root, token)
    clash = b"date,store,category,product,revenue\n2025-01-03,S1,C2,P1,6\n2025-01-04,S1,C2,P1,6\n"
    panel, token, ok = stage_and_preview(services, [data_url(first), data_url(clash)], ["a.csv", "b.csv"])
    assert not ok and token is None
    assert "in category 'C1' in a.csv (row 2), earlier in this batch" in str(panel)


def test_history_shows_the_first_problem_and_keeps_the_full_text_in_the_tooltip(services, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD)
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD)
    assert import_sales(services, [good, bad], actor="admin").rejection is not None
    rows = {r["filename"]: r for r in history_rows(upload_history(services))}
    cell = rows["bad.csv"]["error"]
    assert cell.startswith("bad.csv, row 3, column 'date': unparsable date '2025-13-01'") and cell.endswith(
        "(+1 more problem)"
    )
    assert rows["bad.csv"]["error_full"].startswith("Sales file rejected (2 problems)")
    assert "column 'revenue': negative revenue" in rows["bad.csv"]["error_full"]
    assert rows["good.csv"]["error"].startswith("not imported: bad.csv was rejected")
    table = str(uploads_table(list(rows.values())))
    assert "title='Sales file rejected (2 problems)" in table.replace('"', "'")
