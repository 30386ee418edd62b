"""Coverage in the preview, ``data status`` and ``data undo``: use cases and CLI on demo-like data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select, text

from callbacks.admin.uploads import history_rows, status_panel, undo_step
from components import ids
from components.admin.uploads import coverage_warning, preview_card
from data.demo import generate_demo_sales
from data.queries import rows_changed_since
from data.schema import AuditEvent, utc_now
from data.storage import import_sales_frame
from services.data_status import data_status
from services.imports import import_sales, preview_import, upload_history
from tests.support.apps import make_test_app

START, END = dt.date(2025, 9, 1), dt.date(2025, 10, 31)
NEW_DAYS = pd.date_range("2025-11-01", periods=3, freq="D")


def _texts(component: Any) -> str:
    """Every string inside a Dash component tree, joined (what a reader sees, roughly)."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_texts(c) for c in component)
    return _texts(getattr(component, "children", None))


def _csv(folder: Path, name: str, frame: pd.DataFrame) -> Path:
    path = folder / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.assign(date=pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    return path


@pytest.fixture
def demo(services) -> pd.DataFrame:
    """Two months of a 4-store demo chain (Loja Parque opens on 2025-10-02), imported."""
    sales = generate_demo_sales(3, n_stores=4, n_products=6, start=START, end=END)
    import_sales_frame(services.engine, sales, filename="demo.csv", uploaded_by="test")
    return sales


def _new_days(sales: pd.DataFrame, stores: list[str], products: int | None = None) -> pd.DataFrame:
    """Rows for the 3 new days: every carried product of ``stores`` (or its first ``products``)."""
    carried = sales[["store", "category", "product"]].drop_duplicates()
    carried = carried[carried["store"].isin(stores)].groupby("store").head(products or 1_000)
    rows = carried.merge(pd.DataFrame({"date": NEW_DAYS}), how="cross")
    return rows.assign(revenue=12.5)[["date", "store", "category", "product", "revenue"]]


def test_a_one_store_upload_of_new_days_warns_that_the_others_show_as_not_reported(services, demo, tmp_path):
    upload = _new_days(demo, ["Loja Centro"], products=2)
    assert len(upload) == 6
    [preview] = preview_import(services, [_csv(tmp_path, "centro.csv", upload)], actor="ana").previews
    coverage = preview.coverage
    assert (coverage.date_min, coverage.date_max, coverage.dates) == (
        dt.date(2025, 11, 1),
        dt.date(2025, 11, 3),
        3,
    )
    assert coverage.stores == ("Loja Centro",) and coverage.new_stores == ()
    assert (coverage.known_stores, coverage.products, coverage.new_products) == (4, 2, 0)
    assert (coverage.series, coverage.new_series) == (2, 0)
    assert coverage.behind == ("Loja Oeste", "Loja Parque", "Loja Shopping")
    assert coverage_warning(coverage) == (
        "Covers 1 of 4 stores for 2025-11-01..03; the other 3 will show as not yet reported for those days."
    )
    assert "the other 3 will show as not yet reported" in _texts(preview_card(preview))


def test_a_full_upload_and_a_correction_of_old_days_do_not_warn(services, demo, tmp_path):
    full = _new_days(demo, sorted(demo["store"].unique()))
    [preview] = preview_import(services, [_csv(tmp_path, "all.csv", full)], actor="ana").previews
    assert preview.coverage.behind == () and coverage_warning(preview.coverage) is None
    old = demo[(demo["store"] == "Loja Oeste") & (demo["date"] == pd.Timestamp("2025-10-05"))]
    [preview] = preview_import(
        services, [_csv(tmp_path, "fix.csv", old.assign(revenue=1.0))], actor="a"
    ).previews
    assert preview.coverage.partial is False


def test_a_new_store_is_named_as_new_and_counted_in_the_stores(services, demo, tmp_path):
    upload = _new_days(demo, ["Loja Centro"], products=1).assign(store="Loja Nova")
    [preview] = preview_import(services, [_csv(tmp_path, "nova.csv", upload)], actor="ana").previews
    coverage = preview.coverage
    assert coverage.new_stores == ("Loja Nova",) and coverage.all_stores == 5 and coverage.new_series == 1
    assert coverage_warning(coverage).startswith("Covers 1 of 5 stores for 2025-11-01..03; the other 4 ")
    assert "Loja Nova (new)" in _texts(preview_card(preview))


def test_the_second_file_of_a_batch_counts_the_first_files_stores(services, demo, tmp_path):
    first = _csv(tmp_path, "a.csv", _new_days(demo, ["Loja Centro", "Loja Oeste"]))
    second = _csv(tmp_path, "b.csv", _new_days(demo, ["Loja Parque", "Loja Shopping"]))
    a, b = preview_import(services, [first, second], actor="ana").previews
    assert a.coverage.behind == ("Loja Parque", "Loja Shopping")
    assert b.coverage.behind == ()  # the batch as a whole covers every store


def test_data_status_prints_each_stores_span_gaps_and_complete_through(services, server, demo, tmp_path):
    with services.engine.begin() as conn:  # Loja Oeste stops reporting after 28/10 and misses 10/10
        conn.execute(text("DELETE FROM sales WHERE store = 'Loja Oeste' AND date > '2025-10-28'"))
        conn.execute(text("DELETE FROM sales WHERE store = 'Loja Oeste' AND date = '2025-10-10'"))
    result = server.test_cli_runner().invoke(args=["data", "status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Reporting by store, days of the last 8 weeks: 2025-09-06 to 2025-10-31 (56 days)"
    assert lines[2].split() == ["Loja", "Centro", "2025-09-01", "2025-10-31", "0"]
    assert lines[3].split() == ["Loja", "Oeste", "2025-09-01", "2025-10-28", "4"]  # 10/10 and 29–31/10
    assert lines[4].split() == ["Loja", "Parque", "2025-10-02", "2025-10-31", "0"]  # opened 02/10
    assert lines[-1] == (
        "Complete through 2025-10-28 (the newest date every store has reported); "
        "behind: Loja Oeste (last report 2025-10-28)"
    )
    status = data_status(services.engine, silent_days=services.config.store_silent_days)
    parque = next(s for s in status.stores if s.store == "Loja Parque")
    assert status.periods[0] == dt.date(2025, 9, 6) and len(status.periods) == 56
    assert parque.reported[:26] == (None,) * 26 and parque.reported[26] is True  # 06/09..01/10, then 02/10
    caption = _texts(status_panel(status))
    assert "Complete through 28/10/2025" in caption and "Loja Oeste (last report 28/10/2025)" in caption


def test_data_status_on_an_empty_database_says_so(server):
    result = server.test_cli_runner().invoke(args=["data", "status"])
    assert result.exit_code == 0
    assert result.output.startswith("No sales data yet: import sales files")


def _values(services) -> dict[tuple[str, str, str], tuple[float, int]]:
    with services.engine.connect() as conn:
        rows = conn.execute(text("SELECT store, product, date, revenue, upload_id FROM sales")).all()
    return {(s, p, str(d)): (r, u) for s, p, d, r, u in rows}


def test_data_undo_restores_audits_and_reopens_the_gate(services, server, demo, tmp_path, audit_events):
    before = _values(services)
    correction = demo[demo["date"] == pd.Timestamp("2025-10-31")].assign(revenue=1.0)
    b = pd.concat([correction, _new_days(demo, ["Loja Centro"], products=2)])
    outcome = import_sales(services, [_csv(tmp_path, "b.csv", b)], actor="ana")
    [result] = outcome.results
    assert (result.rows_replaced, result.rows_new) == (len(correction), 6)
    mark = utc_now()
    runner = server.test_cli_runner()
    done = runner.invoke(args=["data", "undo", str(result.upload_id), "--user", "ana"])
    assert done.exit_code == 0, done.output
    assert done.output == (
        f"Upload {result.upload_id} (b.csv) undone: {len(correction)} values restored, 6 rows deleted.\n"
    )
    assert _values(services) == before
    assert rows_changed_since(services.engine, mark) == len(correction) + 6
    assert audit_events()[-1] == (
        "ana",
        "upload_undo",
        {"upload_id": result.upload_id, "file": "b.csv", "rows_restored": len(correction), "rows_deleted": 6},
    )
    again = runner.invoke(args=["data", "undo", str(result.upload_id)])
    assert (
        again.exit_code == 1
        and "was already undone" in again.output
        and "nothing was changed" in again.output
    )
    assert audit_events()[-1][1] == "upload_undo_refused"
    [record, _] = upload_history(services)
    row = history_rows([record])[0]
    assert row["status"] == "undone" and row["can_undo"] is False and row["error"].endswith("by ana")


def test_data_undo_names_the_later_upload_and_changes_nothing(services, server, demo, tmp_path):
    first = import_sales(services, [_csv(tmp_path, "a.csv", _new_days(demo, ["Loja Centro"]))], actor="a")
    later = _new_days(demo, ["Loja Centro"], products=2).assign(revenue=99.0)
    second = import_sales(services, [_csv(tmp_path, "b.csv", later)], actor="a")
    a, b = first.results[0].upload_id, second.results[0].upload_id
    before = _values(services)
    result = server.test_cli_runner().invoke(args=["data", "undo", str(a)])
    assert result.exit_code == 1
    assert f"upload {b} (b.csv) changed 6 of them" in result.output
    assert _values(services) == before


def test_the_undo_button_asks_then_undoes_the_named_upload(services, demo, tmp_path):
    rows = _new_days(demo, ["Loja Centro"])
    outcome = import_sales(services, [_csv(tmp_path, "b.csv", rows)], actor="a")
    upload_id = outcome.results[0].upload_id
    trigger = {"type": ids.ADMIN_UNDO, "upload": upload_id}
    msg, is_open, question, pending, stamp = undo_step(services, trigger, True, actor="admin", pending=None)
    assert is_open is True and pending == {"upload": upload_id}
    assert question.startswith(f"Undo upload {upload_id} (b.csv)? It puts back the 0 values")
    assert f"deletes the {len(rows)} rows it added" in question
    unchanged = undo_step(services, trigger, False, actor="admin", pending=None)  # table redrawn, no click
    assert all(v is not None and not isinstance(v, bool) for v in unchanged)
    msg, is_open, _, pending, stamp = undo_step(
        services, ids.ADMIN_UNDO_CONFIRM, True, actor="admin", pending={"upload": upload_id}
    )
    assert is_open is False and pending is None and isinstance(stamp, float)
    assert f"Upload {upload_id} (b.csv) undone: 0 values restored, {len(rows)} rows deleted." in _texts(msg)
    msg, is_open, _, pending, _ = undo_step(services, trigger, True, actor="admin", pending=None)
    assert is_open is False and "was already undone" in _texts(msg)


def test_a_store_silent_past_the_threshold_counts_as_closed_in_the_status(services, server, demo):
    with services.engine.begin() as conn:  # Loja Oeste's last report 20/09: 41 days before 31/10 (> 35)
        conn.execute(text("DELETE FROM sales WHERE store = 'Loja Oeste' AND date > '2025-09-20'"))
    result = server.test_cli_runner().invoke(args=["data", "status"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "Complete through 2025-10-31 (the newest date every store has reported); every other store reported "
        "through the newest date; silent long enough to count as closed: Loja Oeste (last report 2025-09-20)"
    )
    status = data_status(services.engine, silent_days=services.config.store_silent_days)
    assert "Silent long enough to count as closed: Loja Oeste (last report 20/09/2025)" in _texts(
        status_panel(status)
    )


def test_data_status_and_undo_speak_the_configured_language(tmp_path):
    """pt_BR (the default language): the status table, complete-through and the undo lines are Portuguese;
    dates stay ISO and the exit codes stay the same."""
    app = make_test_app(tmp_path, LANGUAGE="pt_BR")
    services, runner = app.server.extensions["trendsales"], app.server.test_cli_runner()
    assert runner.invoke(args=["data", "status"]).output.startswith("Ainda não há dados de vendas: importe")
    sales = generate_demo_sales(3, n_stores=4, n_products=6, start=START, end=END)
    import_sales_frame(services.engine, sales, filename="demo.csv", uploaded_by="test")
    outcome = import_sales(
        services, [_csv(tmp_path, "b.csv", _new_days(sales, ["Loja Centro"], 2))], actor="a"
    )
    upload_id = outcome.results[0].upload_id
    lines = runner.invoke(args=["data", "status"]).output.splitlines()
    assert lines[0] == "Informes por loja, dias das últimas 8 semanas: 2025-09-09 a 2025-11-03 (56 dias)"
    assert lines[1].split() == ["loja", "primeiro", "informe", "último", "informe", "dias", "sem", "informe"]
    assert lines[2].split() == ["Loja", "Centro", "2025-09-01", "2025-11-03", "0"]
    assert lines[-1].startswith(
        "Completo até 2025-10-31 (a data mais recente que todas as lojas informaram); atrasadas: "
        "Loja Oeste (último informe 2025-10-31)"
    )
    later = import_sales(
        services,
        [_csv(tmp_path, "c.csv", _new_days(sales, ["Loja Centro"], 1).assign(revenue=7.0))],
        actor="a",
    )
    later_id = later.results[0].upload_id
    blocked = runner.invoke(args=["data", "undo", str(upload_id)])
    assert blocked.exit_code == 1
    assert blocked.output == (
        f"Recusado: o envio {upload_id} (b.csv) não pode ser desfeito: envios posteriores alteraram chaves "
        f"que ele gravou (o envio {later_id} (c.csv) alterou 3 delas). Desfaça esse envio primeiro.; "
        "nada foi alterado.\n"
    )
    assert runner.invoke(args=["data", "undo", str(later_id)]).exit_code == 0
    done = runner.invoke(args=["data", "undo", str(upload_id)])
    assert done.exit_code == 0
    assert done.output.startswith(
        f"Envio {upload_id} (b.csv) desfeito: 0 valores repostos, 6 linhas apagadas."
    )
    again = runner.invoke(args=["data", "undo", str(upload_id)])
    assert again.exit_code == 1
    assert again.output.startswith(f"Recusado: o envio {upload_id} (b.csv) já foi desfeito (")
    assert again.output.endswith(" por cli); nada foi alterado.\n")
    [event] = [e for e in audit_rows(services) if e[0] == "upload_undo_refused"][-1:]
    assert event[1]["reason"].startswith(f"upload {upload_id} (b.csv) was already undone (")  # audit: English


def audit_rows(services) -> list[tuple[str, dict]]:
    """(action, detail) of every audit event, oldest first."""
    with services.engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)).all()
    return [(action, detail or {}) for action, detail in rows]
