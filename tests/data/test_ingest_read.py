"""Reading good sales files: aliases, separators, decimal marks, BOM, XLSX, aggregation."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from data.ingest import read_sales_file, read_sales_table


def test_reads_english_csv_and_sums_transactions(sales_csv):
    path = sales_csv(
        "s.csv",
        "2024-01-01,S1,Food,Apple,10.5",
        "2024-01-01,S1,Food,Apple,4.5",
        "2024-01-01,S2,Food,Apple,1",
        "2024-01-02,S1,Food,Apple,2",
    )
    table = read_sales_table(path)
    frame = table.frame.sort_values(["date", "store"]).reset_index(drop=True)
    assert table.rows_read == 4
    assert list(frame.columns) == ["date", "store", "category", "product", "revenue", "units"]
    assert frame["revenue"].tolist() == [15.0, 1.0, 2.0]
    assert frame["date"].iloc[0] == pd.Timestamp("2024-01-01")
    assert frame["units"].isna().all()


def test_portuguese_aliases_accents_case_semicolon_and_decimal_comma(write_file):
    content = (
        "\ufeff  DATA ;Loja;CATEGORÍA_;Produto; Faturamento ;Quantidade\n"
        "05/01/2024;1;Bebidas;Café;1.234,56;2\n"
        "05/01/2024;1;Bebidas;Café;1234,44;1,5\n"
        "06/01/2024; 01 ;Bebidas;Chá;7;\n"
    )
    frame = read_sales_file(write_file("vendas.csv", content)).sort_values("date").reset_index(drop=True)
    assert frame["date"].dt.date.tolist() == [dt.date(2024, 1, 5), dt.date(2024, 1, 6)]
    assert frame["revenue"].tolist() == pytest.approx([2469.0, 7.0])
    assert frame["units"].iloc[0] == pytest.approx(3.5)
    assert pd.isna(frame["units"].iloc[1])
    # Identifiers are stripped strings; a numeric id keeps its text.
    assert frame["store"].tolist() == ["1", "01"]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("ds,shop,categoria,sku,y", "y"),
        ("Day,Store_ID,Category,Item,Sales", "Sales"),
        ("dia,loja,categoria,produto,valor", "valor"),
        ("date,store,category,product,amount", "amount"),
        ("date,store,category,product,total", "total"),
        ("date,store,category,product,revenue,qty,extra", "revenue"),
    ],
)
def test_column_aliases(sales_csv, header, field):
    line = "2024-01-01,S1,C,P,3" + (",1,x" if header.endswith("extra") else "")
    table = read_sales_table(sales_csv("a.csv", line, header=header))
    assert table.frame["revenue"].tolist() == [3.0]
    assert table.columns["revenue"] == field


def test_thousands_with_dot_decimal_quoted_in_comma_file(sales_csv):
    frame = read_sales_file(sales_csv("q.csv", '2024-01-01,S1,C,P,"1,234.50"', "2024-01-02,S1,C,P,2.25"))
    assert sorted(frame["revenue"].tolist()) == [2.25, 1234.5]


def test_blank_lines_ignored_and_timestamps_summed_per_day(write_file):
    content = (
        "date,store,category,product,revenue\r\n2024-01-01 00:00:00,S1,C,P,1\r\n\r\n"
        "2024-01-01T18:30,S1,C,P,4\r\n02/01/2024 09:15:00,S1,C,P,2\r\n\r\n"
    )
    frame = read_sales_file(write_file("b.csv", content)).sort_values("date")
    assert frame["revenue"].tolist() == [5.0, 2.0]
    assert frame["date"].dt.day.tolist() == [1, 2]


def test_xlsx_first_sheet_with_datetime_cells(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Data", "Loja", "Categoria", "Produto", "Valor", "Units"])
    sheet.append([dt.datetime(2024, 3, 1), 1, "Frutas", "Maçã", 10.25, 3])
    sheet.append([dt.datetime(2024, 3, 1), 1, "Frutas", "Maçã", 1.75, None])
    sheet.append(["02/03/2024", "1", "Frutas", "Maçã", "5,5", 1])
    book.create_sheet("ignored").append(["nothing", "here"])
    path = tmp_path / "vendas.xlsx"
    book.save(path)
    frame = read_sales_file(path).sort_values("date").reset_index(drop=True)
    assert frame["date"].dt.date.tolist() == [dt.date(2024, 3, 1), dt.date(2024, 3, 2)]
    assert frame["revenue"].tolist() == [12.0, 5.5]
    assert frame["units"].tolist() == [3.0, 1.0]
    assert frame["store"].tolist() == ["1", "1"]
