"""Events file: clear rejections (file, row, column, why), all-or-nothing replacement."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine

from data.events import EventsFileError, event_pairs, load_events, read_events, replace_events

GOOD = b"data;nome;loja\n2026-11-27;Black Friday;\n05/12/2026;Liquidacao;S01\n2026-11-27;Black Friday;\n"


def test_a_good_file_is_parsed_with_aliases_semicolons_and_both_date_forms() -> None:
    events = read_events(GOOD, "promos.csv", known_stores={"S01", "S02"})
    assert events.to_dict("records") == [
        {"date": pd.Timestamp("2026-11-27").date(), "name": "Black Friday", "store": None},
        {"date": pd.Timestamp("2026-12-05").date(), "name": "Liquidacao", "store": "S01"},
    ]  # the repeated row is kept once


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"when,name\n2026-01-01,x\n", "promos.csv, row 1: missing column 'date'"),
        (b"date,name\n2026-13-01,x\n", "promos.csv, row 2, column 'date': '2026-13-01' is not a date"),
        (b"date,name\n2026-01-01,\n", "promos.csv, row 2, column 'name': empty event name"),
        (b"date,name,store\n2026-01-01,x,S09\n", "promos.csv, row 2, column 'store': unknown store 'S09'"),
        (b"date,name\n", "promos.csv: no events"),
        (b"date,name\n2026-01-01,\xe9\n", "promos.csv: not UTF-8"),
    ],
)
def test_bad_files_are_rejected_naming_file_row_column_and_reason(content: bytes, expected: str) -> None:
    with pytest.raises(EventsFileError) as info:
        read_events(content, "promos.csv", known_stores={"S01"})
    assert expected in str(info.value)
    assert "nothing was imported" in str(info.value)


def test_every_problem_of_a_file_is_listed_at_once() -> None:
    with pytest.raises(EventsFileError) as info:
        read_events(b"date,name\nyesterday,a\n2026-01-01,\n", "x.csv")
    assert len(info.value.problems) == 2
    assert [p.row for p in info.value.problems] == [2, 3]


def test_an_import_replaces_the_calendar_in_one_transaction(engine: Engine) -> None:
    first = replace_events(engine, read_events(GOOD, "a.csv"), file="a.csv", actor="t", rows=3)
    assert (first.events, first.replaced) == (2, 0)
    assert event_pairs(engine) == ((pd.Timestamp("2026-11-27"), None), (pd.Timestamp("2026-12-05"), "S01"))
    second = replace_events(
        engine,
        read_events(b"date,name\n2027-01-10,Volta as aulas\n", "b.csv"),
        file="b.csv",
        actor="t",
        rows=1,
    )
    assert (second.events, second.replaced) == (1, 2)
    assert load_events(engine)["name"].tolist() == ["Volta as aulas"]


def test_an_xlsx_calendar_with_date_cells_is_read(tmp_path) -> None:
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Data", "Evento", "Loja"])
    sheet.append([dt.datetime(2026, 11, 27), "Black Friday", None])
    sheet.append(["05/12/2026", "Liquidação", "S01"])
    path = tmp_path / "eventos.xlsx"
    book.save(path)
    events = read_events(path.read_bytes(), "eventos.xlsx")
    assert events["name"].tolist() == ["Black Friday", "Liquidação"]
    assert events["store"].tolist() == [None, "S01"]
