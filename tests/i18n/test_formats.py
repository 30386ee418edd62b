"""One number and date format per language (data.i18n), and the request's language in components."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data import i18n


@pytest.mark.parametrize(
    ("language", "number", "percent", "money", "negative"),
    [
        ("pt_BR", "1.234,5", "12,4%", "R$ 1.234.568", "-R$ 1.234,50"),
        ("en", "1,234.5", "12.4%", "R$ 1,234,568", "-R$ 1,234.50"),
    ],
)
def test_numbers_follow_the_language(language, number, percent, money, negative):
    assert i18n.format_number(1234.5, 1, language) == number
    assert i18n.format_percent(0.124, 1, language) == percent
    assert i18n.format_money(1234567.891, 0, language) == money
    assert i18n.format_money(-1234.5, 2, language) == negative
    assert i18n.format_number(None, 1, language) == i18n.format_percent(float("nan"), 1, language) == "–"


def test_plotly_separators_are_the_decimal_mark_then_the_thousands_mark():
    assert i18n.plotly_separators("pt_BR") == ",." and i18n.plotly_separators("en") == ".,"


def test_month_and_weekday_names_are_localised():
    day = dt.date(2025, 6, 30)
    assert i18n.format_date(day, "EEE dd MMM y", "pt_BR") == "seg. 30 jun. 2025"
    assert i18n.format_date(day, "EEE dd MMM y", "en") == "Mon 30 Jun 2025"
    assert i18n.format_date(pd.Timestamp("2025-02-01"), "MMMM y", "pt_BR") == "fevereiro 2025"


def test_times_are_shown_in_the_configured_zone_and_name_it():
    stored = dt.datetime(2026, 12, 1, 0, 10)  # naive UTC, as the database keeps it
    text = i18n.format_timestamp(stored, "America/Sao_Paulo", "pt_BR")
    assert text.startswith("30/11/2026 21:10") and "Brasília" in text
    assert i18n.format_timestamp(stored, "UTC", "en").startswith("12/1/26, 12:10")
    assert i18n.format_timestamp(None) == "–"


def test_gettext_reads_the_catalogue_without_flask():
    assert i18n.translate("pt_BR", "Store") == "Loja" and i18n.translate("en", "Store") == "Store"
    assert i18n.translate("pt_BR", "week of %(date)s", date="x") == "semana de x"


def test_unknown_language_and_time_zone_are_refused_by_name():
    with pytest.raises(ValueError, match="pt_BR, en"):
        i18n.check_language("fr")
    with pytest.raises(ValueError, match="Mars/Olympus"):
        i18n.parse_timezone("Mars/Olympus")


def test_components_format_in_the_request_language(tmp_path):
    from components.formatting import format_brl_short, freq_text, period_label, plotly_separators
    from tests.support.apps import make_test_app

    app = make_test_app(tmp_path, LANGUAGE="pt_BR")
    with app.server.test_request_context("/"):
        assert format_brl_short(1_234_567) == "R$ 1,2 mi" and plotly_separators() == ",."
        assert period_label(pd.Timestamp("2025-06-30"), "W") == "semana de 30 jun. 2025"
        assert freq_text("W").name == "Semanal"
    english = make_test_app(tmp_path / "en", LANGUAGE="en")
    with english.server.test_request_context("/"):
        assert format_brl_short(1_234_567) == "R$ 1.2 M" and plotly_separators() == ".,"
        assert period_label(pd.Timestamp("2025-06-30"), "W") == "week of 30 Jun 2025"
        assert freq_text("W").name == "Weekly"


def test_the_workbook_export_speaks_the_readers_language(tmp_path):
    import io

    from openpyxl import load_workbook

    from callbacks.export import export_frame, xlsx_bytes
    from components.state import ViewState
    from tests.support.apps import make_test_app

    dates = pd.date_range("2025-07-07", periods=2, freq="W-MON")
    band = pd.DataFrame(
        {"date": dates, "forecast": [1234.5, 99.0], "lower": [1000.0, 80.0], "upper": [1500.0, 120.0]}
    )
    frame = export_frame(band, band)
    app = make_test_app(tmp_path, LANGUAGE="pt_BR")
    with app.server.test_request_context("/store"):
        book = load_workbook(io.BytesIO(xlsx_bytes(frame, ViewState("store", freq="W"))))
    sheet = book["Previsão"]
    assert [c.value for c in sheet[1]][:2] == ["Data", "Previsão (R$)"]
    assert sheet["B2"].value == 1234.5  # a number cell: Excel shows it in the reader's own format
    view = {row[0].value: row[1].value for row in book["Visão"].iter_rows(min_row=2)}
    assert view["loja"] == "todas as lojas" and view["granularidade"] == "Semanal"


def test_grid_time_columns_name_the_zone_in_their_header(tmp_path):
    from components.admin.common import time_column, translated_column
    from tests.support.apps import make_test_app

    app = make_test_app(tmp_path, LANGUAGE="pt_BR")
    with app.server.test_request_context("/admin"):
        column = translated_column(time_column("created_at", headerName="Created"))
    assert (
        column["headerName"] == "Criado em" and column["headerTooltip"] == "Horários em Horário de Brasília"
    )
    assert "zone" not in column and "created_at_text" in column["valueFormatter"]["function"]
