"""The distinct-value check of CSV files (``data.fast_validation``) accepts and refuses exactly what the
row-by-row check (``validate_raw``) does: the same table for an accepted file, the same problems (file,
row, column, reason; English and pt-BR) for a refused one, on tricky inputs and on seeded random files."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.fast_validation import validate_distinct
from data.ingest import read_sales_table
from data.limits import SalesLimits
from data.validation import SalesFileError

LIMITS = SalesLimits(today=dt.date(2026, 11, 30))
SEMI = "date;store;category;product;revenue;units"
COMMA = "date,store,category,product,revenue,units"


def outcome(path: Path, *, distinct: bool, limits: SalesLimits = LIMITS):
    """("ok", table) or ("refused", English text, pt-BR text) of reading ``path`` one way."""
    try:
        return "ok", read_sales_table(path, limits=limits, distinct=distinct)
    except SalesFileError as err:
        return "refused", str(err), err.text("pt_BR")


def assert_same(path: Path, limits: SalesLimits = LIMITS) -> tuple:
    """Both ways give the same table (every value, dtype, the sign of zeros) or the same refusal."""
    fast, slow = outcome(path, distinct=True, limits=limits), outcome(path, distinct=False, limits=limits)
    assert fast[0] == slow[0], (fast, slow)
    if fast[0] == "refused":
        assert fast[1:] == slow[1:]
        return fast
    a, b = fast[1], slow[1]
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    for column in ("revenue", "units"):
        assert np.array_equal(np.signbit(a.frame[column]), np.signbit(b.frame[column]))
    assert (a.rows_read, a.columns, a.decimal_mark) == (b.rows_read, b.columns, b.decimal_mark)
    assert list(a.product_rows.items()) == list(b.product_rows.items())
    return fast


def write(tmp_path: Path, header: str, *lines: str, name: str = "f.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode(encoding))
    return path


ACCEPTED = {
    "decimal comma, ';' separator": (SEMI, "2024-01-01;S;C;P;1.234,56;1.000", "2024-01-02;S;C;P;10;2,5"),
    "quoted decimal comma, ',' separator": (COMMA, '2024-01-01,S,C,P,"10,50",', '2024-01-02,S,C,P,"7,25",1'),
    "quoted US thousands": (COMMA, '2024-01-01,S,C,P,"1,234",', '2024-01-02,S,C,P,"2,500.75",'),
    "only ambiguous thousands, ';' hint": (SEMI, "2024-01-01;S;C;P;1.234;", "2024-01-02;S;C;P;2.500;"),
    "quoted names with separators and quotes": (
        COMMA,
        '2024-01-01,"Loja, Centro","Bebidas","Suco ""Top""",1.5,2',
        "2024-01-01,Loja,B,X,0,",
    ),
    "blank lines and blank rows": (
        COMMA,
        "",
        "2024-01-01,S,C,P,1,1",
        "   ",
        ",,,,,",
        "2024-01-02,S,C,P,2,",
        "",
    ),
    "spaces around names merge keys": (
        COMMA,
        "2024-01-01, S ,C,P,1,1",
        "2024-01-01,S,C ,P,2,",
        "2024-01-02,S,C,P,3,",
    ),
    "unicode spaces and separators stripped": (
        COMMA,
        "2024-01-01,\u00a0S\u2003,C,P\x1f,1,1",
        "2024-01-01,S,C,P,2,",
    ),
    "transaction rows summed, NaN units kept": (
        COMMA,
        "2024-01-01,S,C,P,1.25,",
        "2024-01-01,S,C,P,2.5,3",
        "2024-01-01,S,C,Q,4,",
        "2024-01-01,S,C,Q,5,",
    ),
    "dd/mm/yyyy, mixed with ISO and times": (
        COMMA,
        "01/02/2024,S,C,P,1,",
        "2024-02-01 10:30,S,C,P,2,",
        "2024-02-02T08:00:00,S,C,P,3,",
        "3/2/2024,S,C,P,4,",
    ),
    "signs, exponents, -0 and underscores": (
        COMMA,
        "2024-01-01,S,C,P,-0,-0",
        "2024-01-02,S,C,P,+5,1e3",
        "2024-01-03,S,C,P,1_000,.5",
        "2024-01-04,S,C,P,7.,-2",
    ),
    "unicode digits": (COMMA, "2024-01-01,S,C,P,\u0663,", "2024-01-02,S,C,P,12,"),
    "no units column": ("date,store,category,product,revenue", "2024-01-01,S,C,P,1", "2024-01-02,S,C,P,2"),
    "portuguese header, accents in names": (
        "Data;Loja;Categoria;Produto;Faturamento;Quantidade",
        "02/01/2024;Água Doce;Mercearia;Açúcar 1kg;12,50;3",
    ),
    "values at the maximum": (COMMA, "2024-01-01,S,C,P,1e12,1000000000000", "2026-12-01,S,C,P,0,0"),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_accepted_files_give_the_same_table(tmp_path, case):
    header, *lines = ACCEPTED[case]
    assert assert_same(write(tmp_path, header, *lines))[0] == "ok"


REFUSED = {
    "impossible day": (COMMA, "2023-02-30,S,C,P,1,", "31/02/2024,S,C,P,1,"),
    "dates outside the window": (
        COMMA,
        "0001-01-01,S,C,P,1,",
        "9999-12-31,S,C,P,1,",
        "2099-01-01,S,C,P,1,",
        "1989-12-31,S,C,P,1,",
    ),
    "unparsable dates": (COMMA, "2024/01/01,S,C,P,1,", "yesterday,S,C,P,1,", ",S,C,P,1,"),
    "negative and huge values": (
        COMMA,
        "2024-01-01,S,C,P,-1,",
        "2024-01-02,S,C,P,1e13,",
        "2024-01-03,S,C,P,1,1e13",
    ),
    "not numbers": (
        COMMA,
        "2024-01-01,S,C,P,abc,",
        "2024-01-02,S,C,P,inf,",
        "2024-01-03,S,C,P,#N/A,",
        "2024-01-04,S,C,P,nan,x",
    ),
    "missing revenue": (COMMA, "2024-01-01,S,C,P,,1", "2024-01-02,S,C,P,2,"),
    "mixed decimal marks": (
        SEMI,
        "2024-01-01;S;C;P;1.234,56;",
        "2024-01-02;S;C;P;1,234.56;",
        "2024-01-03;S;C;P;12,5;",
    ),
    "missing names": (COMMA, "2024-01-01,,C,P,1,", "2024-01-01,S,,P,1,", "2024-01-01,S,C, ,1,"),
    "long names and control characters": (
        COMMA,
        f"2024-01-01,{'L' * 129},C,P,1,",
        "2024-01-01,S\x07x,C,P,1,",
    ),
    "product in two categories": (COMMA, "2024-01-01,S,C,P,1,", "2024-01-02,S,D,P,1,", "2024-01-03,T,C,P,1,"),
    "sum above the maximum": (COMMA, "2024-01-01,S,C,P,600000000000,", "2024-01-01,S,C,P,600000000000,"),
    "only blank rows": (COMMA, ",,,,,", "  ,  ,,,,"),
    "duplicate keys with a bad row": (COMMA, "2024-01-01,S,C,P,1,", "2024-01-01,S,C,P,-1,"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_files_give_the_same_problems(tmp_path, case):
    header, *lines = REFUSED[case]
    result = assert_same(write(tmp_path, header, *lines))
    assert result[0] == "refused" and ", row " in result[1]


def test_a_sum_that_overflows_is_refused_naming_its_key_either_way(tmp_path):
    path = write(tmp_path, COMMA, "2024-01-01,S,C,P,1e308,", "2024-01-01,S,C,P,1e308,", "2024-01-02,S,C,P,1,")
    result = assert_same(path, SalesLimits(today=dt.date(2026, 11, 30), max_value=float("inf")))
    assert result[0] == "refused" and "overflows" in result[1] and "row 2" in result[1]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le"])
def test_byte_order_marks_and_utf16_give_the_same_table(tmp_path, encoding):
    lines = ["2024-01-01;Água;Mercearia;Açúcar;1.234,5;2", "2024-01-02;Água;Mercearia;Açúcar;7,25;"]
    assert assert_same(write(tmp_path, SEMI, *lines, encoding=encoding))[0] == "ok"


# Cells a random file is made of: valid and invalid, with spaces, marks and spellings mixed.
_POOL = {
    "date": [
        "2024-01-01",
        "2024-01-02",
        " 2024-01-03",
        "03/01/2024",
        "2024-1-4",
        "2024-01-05 10:00",
        "2024-02-30",
        "1980-01-01",
        "",
        "x",
    ],
    "store": ["S1", " S1", "S2", "Loja, Centro", 'Lo"ja', "Água", "", "S\x01", "S1\u00a0"],
    "category": ["C", "C ", "D"],
    "product": ["P1", "P2", " P2", "P3", ""],
    "revenue": [
        "1",
        "1.5",
        "2,5",
        "1.234",
        "1.234,5",
        "1,234.5",
        "-0",
        "-1",
        "1e3",
        "",
        "abc",
        " 7 ",
        "1 234,5",
        "0.500",
        "inf",
    ],
    "units": ["", "1", "2,5", "3.5", "-2", "1e13"],
}


_CLEAN = {
    "date": ["2024-01-01", " 2024-01-02", "03/01/2024", "2024-01-03 10:00"],
    "store": ["S1", " S1", "Loja, Centro", 'Lo"ja', "Água"],
    "category": ["C"],
    "product": ["P1", "P2", " P2"],
    "revenue": ["1", "1.5", "1.234", " 7 ", "-0", "1e3", "0.500"],
    "units": ["", "1", "3.5", "-2"],
}


def _random_file(rng: random.Random, tmp_path: Path, n: int) -> Path:
    sep = rng.choice([",", ";"])
    fields = ["date", "store", "category", "product", "revenue"] + (["units"] if rng.random() < 0.7 else [])
    pool = _POOL if rng.random() < 0.5 else _CLEAN  # half the files draw from valid cells only
    lines = [sep.join(fields)]
    for _ in range(rng.randint(1, 12)):
        cells = [rng.choice(pool[f]) for f in fields]
        lines.append(
            sep.join(f'"{c}"' if (sep in c or '"' in c) else c for c in cells).replace('o"j', 'o""j')
        )
        if rng.random() < 0.1:
            lines.append("")
    path = tmp_path / f"r{n}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_seeded_random_files_are_judged_the_same_either_way(tmp_path):
    rng = random.Random(20261201)
    kinds = {"ok": 0, "refused": 0}
    for n in range(120):
        kinds[assert_same(_random_file(rng, tmp_path, n))[0]] += 1
    assert kinds["ok"] > 20 and kinds["refused"] > 20  # both outcomes are exercised


def test_the_distinct_path_is_what_accepts_a_clean_file(tmp_path):
    """A clean file is accepted by the distinct-value path itself (it does not fall back)."""
    import pyarrow as pa

    table = pa.table({f: pa.array(v, pa.string()) for f, v in {
        "date": ["2024-01-01", "2024-01-02"], "store": ["S", "S"], "category": ["C", "C"],
        "product": ["P", "P"], "revenue": ["1,5", "2"],
    }.items()})  # fmt: skip
    columns = {f: f for f in table.column_names}
    result = validate_distinct(table, np.array([2, 3]), columns, ",", LIMITS, "f.csv")
    assert result is not None and result.frame["revenue"].tolist() == [1.5, 2.0]
    refused = table.set_column(4, "revenue", pa.array(["1,5", "-2"]))
    assert validate_distinct(refused, np.array([2, 3]), columns, ",", LIMITS, "f.csv") is None


def test_a_column_read_in_several_blocks_is_coded_against_one_dictionary():
    """Arrow reads a large file in blocks: codes must point into one dictionary, in order of first use."""
    import pyarrow as pa

    from data.fast_validation import _encoded

    column = _encoded(pa.chunked_array([["b", "a", "b"], [], ["c", "a", "d"]], pa.string()))
    assert column.values.tolist() == ["b", "a", "c", "d"]
    assert column.codes.tolist() == [0, 1, 0, 2, 1, 3]
    assert column.first.tolist() == [0, 1, 3, 5]


PLAIN = {
    "plain numbers with a '.'": (COMMA, "2024-01-01,S,C,P,1.234,007", "2024-01-02,S,C,P,0.500,12",
                                 "2024-01-03,S,C,P,1234.567,3", "2024-01-04,S,C,Q,7.5,0"),
    "only ambiguous thousands, ',' hint": (COMMA, "2024-01-01,S,C,P,1.234,", "2024-01-02,S,C,P,2.500,"),
    "plain numbers in a ';' file read with a decimal comma": (SEMI, "2024-01-01;S;C;P;1.234;2",
                                                             "2024-01-02;S;C;P;12;1"),
    "plain and comma numbers, tie broken by the ';' hint": (SEMI, "2024-01-01;S;C;P;1.5;",
                                                            "2024-01-02;S;C;P;2,5;"),
    "plain beside a comma column": (COMMA, '2024-01-01,S,C,P,"1,5",2.25', '2024-01-02,S,C,P,"3,5",1.5'),
    "long digits round the same": (COMMA, "2024-01-01,S,C,P,123456789.123456789012345678901,1",
                                   "2024-01-02,S,C,P,0.1000000000000000055511151231257827,2"),
    "above the maximum": (COMMA, "2024-01-01,S,C,P,1000000000001,1", "2024-01-02,S,C,P,2.5,1"),
    "overflows to infinity": (COMMA, "2024-01-01,S,C,P,1" + "0" * 400 + ",1", "2024-01-02,S,C,P,2.5,1"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(PLAIN))
def test_plain_numbers_read_by_arrow_give_what_the_checks_give(tmp_path, case):
    """Plain numbers skip the per-value checks (``_plain_numbers``): same table, mark and refusals."""
    assert_same(write(tmp_path, *PLAIN[case]), LIMITS)


def test_plain_numbers_give_their_evidence_and_values_or_none():
    from data.fast_validation import _plain_numbers

    values = pd.Series(["1.234", "10.5", "0.500", "7"], dtype=object)
    rows, weights = pd.Series([2, 3, 5, 9]), pd.Series([4, 2, 1, 3])
    marks, numbers = _plain_numbers(values, rows, weights)
    assert marks == {",": (0, None), ".": (3, ("10.5", 3))}  # "1.234" reads either way: no evidence
    assert numbers.tolist() == [1.234, 10.5, 0.5, 7.0]
    assert _plain_numbers(pd.Series(["1.5", " 2"], dtype=object), rows[:2], weights[:2]) is None
    assert _plain_numbers(pd.Series(["1,5", "2"], dtype=object), rows[:2], weights[:2]) is None
    assert _plain_numbers(pd.Series(["\u0663", "2"], dtype=object), rows[:2], weights[:2]) is None
    assert _plain_numbers(pd.Series(["1" + "0" * 400], dtype=object), rows[:1], weights[:1])[1] is None
