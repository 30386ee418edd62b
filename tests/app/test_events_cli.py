"""``events import`` / ``events list``: a good file is stored, a bad one rejected with exit 1."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data.storage import import_sales_frame


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
