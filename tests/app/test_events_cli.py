"""``events import`` / ``events list``: a good file is stored, a bad one rejected with exit 1."""

from __future__ import annotations

import base64
from pathlib import Path

import pandas as pd

from data.events import load_events
from data.storage import import_sales_frame
from tests.app.conftest import dash_post


def _sales() -> pd.DataFrame:
    dates = pd.date_range("2026-01-01", periods=10, freq="D")
    return pd.DataFrame(
        {"date": dates, "store": "S01", "category": "C", "product": "P", "revenue": 10.0 + dates.day}
    )


def test_cli_imports_lists_and_rejects_without_touching_the_calendar(server, tmp_path: Path) -> None:
    services = server.extensions["trendsales"]
    import_sales_frame(services.engine, _sales(), filename="s.csv", uploaded_by="test")
    runner = server.test_cli_runner()
    good = tmp_path / "promos.csv"
    good.write_bytes(b"date,name,store\n2026-01-05,Promo,S01\n2026-01-06,Feriado local,\n")
    result = runner.invoke(args=["events", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 rows read, 2 events stored" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"date,name,store\n2026-01-07,Promo,S99\n")
    rejected = runner.invoke(args=["events", "import", str(bad)])
    assert rejected.exit_code == 1
    assert "bad.csv, row 2, column 'store': unknown store 'S99'" in rejected.output
    listed = runner.invoke(args=["events", "list"])
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "date,name,store",
        "2026-01-05,Promo,S01",
        "2026-01-06,Feriado local,",
    ]


def _events_payload(content: bytes, filename: str) -> dict:
    encoded = "data:text/csv;base64," + base64.b64encode(content).decode()
    return {
        "output": "..admin-events-result.children...admin-events-list.children"
        "...admin-events-upload.contents..",
        "outputs": [
            {"id": "admin-events-result", "property": "children"},
            {"id": "admin-events-list", "property": "children"},
            {"id": "admin-events-upload", "property": "contents"},
        ],
        "inputs": [
            {"id": "admin-events-upload", "property": "contents", "value": encoded},
            {"id": "admin-refresh", "property": "n_clicks", "value": None},
        ],
        "changedPropIds": ["admin-events-upload.contents"],
        "state": [{"id": "admin-events-upload", "property": "filename", "value": filename}],
    }


def test_admin_console_imports_an_events_file(server, admin_client) -> None:
    services = server.extensions["trendsales"]
    import_sales_frame(services.engine, _sales(), filename="s.csv", uploaded_by="test")
    admin_client.get("/admin")
    good = dash_post(admin_client, _events_payload(b"date,name\n2026-01-08,Promo\n", "promo.csv"))
    assert good.status_code == 200, good.get_data(as_text=True)
    body = good.get_data(as_text=True)
    assert "promo.csv: 1 events stored" in body and "2026-01-08" in body
    bad = dash_post(admin_client, _events_payload(b"date,name\nontem,Promo\n", "bad.csv"))
    assert "bad.csv, row 2, column 'date': 'ontem' is not a date" in bad.get_data(as_text=True)
    assert load_events(services.engine)["name"].tolist() == ["Promo"]  # the bad file changed nothing


def test_a_manager_cannot_import_events(server, manager_client) -> None:
    manager_client.get("/store")
    refused = dash_post(manager_client, _events_payload(b"date,name\n2026-01-08,Promo\n", "promo.csv"))
    assert refused.status_code == 403
    assert load_events(server.extensions["trendsales"].engine).empty
