"""``data status`` and ``data undo`` as commands on PostgreSQL: a one-store upload of new days is
reported as ahead of complete-through, undone through the CLI, and the status is back as before."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select

from data.demo import generate_demo_sales
from data.schema import Sale, Upload
from data.storage import import_sales_frame
from tests.support.apps import make_test_app

START, END = dt.date(2025, 9, 1), dt.date(2025, 10, 31)


def test_data_status_and_undo_commands_on_postgresql(postgres_server, tmp_path):
    url = postgres_server.create_database("ts_test_data_cli")
    app = make_test_app(tmp_path, DATABASE_URL=url)
    services, runner = app.server.extensions["trendsales"], app.server.test_cli_runner()
    assert services.engine.dialect.name == "postgresql"
    sales = generate_demo_sales(3, n_stores=3, n_products=6, start=START, end=END)
    import_sales_frame(services.engine, sales, filename="demo.csv", uploaded_by="test")
    stores = sorted(sales["store"].unique())
    before = runner.invoke(args=["data", "status"])
    assert before.exit_code == 0, before.output
    assert before.output.splitlines()[-1] == (
        "Complete through 2025-10-31 (the newest date every store has reported); "
        "every store reported through the newest date"
    )

    carried = sales[sales["store"] == stores[0]].drop_duplicates("product").head(2)
    rows = [
        (day, stores[0], p.category, p.product, 10.0)
        for day in ("2025-11-01", "2025-11-02", "2025-11-03")
        for p in carried.itertuples()
    ]
    path = tmp_path / "one-store.csv"
    pd.DataFrame(rows, columns=["date", "store", "category", "product", "revenue"]).to_csv(path, index=False)
    imported = runner.invoke(args=["data", "import", "--quiet", str(path)])
    assert imported.exit_code == 0, imported.output

    lines = runner.invoke(args=["data", "status"]).output.splitlines()
    assert lines[0] == "Reporting by store, days of the last 8 weeks: 2025-09-09 to 2025-11-03 (56 days)"
    assert lines[2].split()[-2:] == ["2025-11-03", "0"]  # the uploading store, no gap
    behind = ", ".join(f"{store} (last report 2025-10-31)" for store in stores[1:])
    assert lines[-1] == (
        f"Complete through 2025-10-31 (the newest date every store has reported); behind: {behind}"
    )

    with services.engine.connect() as conn:
        upload_id = conn.scalar(select(func.max(Upload.id)))
    undone = runner.invoke(args=["data", "undo", str(upload_id)])
    assert undone.exit_code == 0, undone.output
    assert undone.output.startswith(
        f"Upload {upload_id} (one-store.csv) undone: 0 values restored, 6 rows deleted."
    )
    with services.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Sale)) == len(sales)
    assert runner.invoke(args=["data", "status"]).output == before.output
    refused = runner.invoke(args=["data", "undo", str(upload_id)])
    assert refused.exit_code == 1 and "was already undone" in refused.output
    services.engine.dispose()
