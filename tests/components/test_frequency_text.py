"""The dashboard's frequency texts and presets: one entry per frequency of the data table."""

from __future__ import annotations

import dataclasses

from components.formatting import FREQ_TEXT, FrequencyText, periods_text
from components.state import freq_choices, max_preset, page_of, tab_of
from data.frequency import FREQUENCIES


def test_every_frequency_has_its_text_and_presets_within_the_served_maximum():
    assert tuple(FREQ_TEXT) == tuple(FREQUENCIES)
    for code, text in FREQ_TEXT.items():
        for field in dataclasses.fields(FrequencyText):
            assert getattr(text, field.name) not in (None, "", ()), (code, field.name)
        assert list(text.horizon_presets) == sorted(text.horizon_presets)
        assert text.default_horizon in text.horizon_presets
        assert max_preset(code) <= FREQUENCIES[code].max_horizon
    assert [t.name for t in FREQ_TEXT.values()] == ["Daily", "Weekly", "Monthly", "Quarterly"]
    assert periods_text(1, "Q") == "1 quarter" and periods_text(13, "W") == "13 weeks"


def test_display_choices_follow_the_table_order():
    assert freq_choices("D") == ["D", "W", "M"] and freq_choices("M") == ["M", "Q"]
    assert freq_choices(None) == ["D", "W", "M"]


def test_one_path_parser_for_pages_and_tabs():
    assert [page_of(p) for p in (None, "/", "/category", "/admin/")] == [
        "store",
        "store",
        "category",
        "admin",
    ]
    assert [tab_of(p) for p in ("/", "/product", "/admin", "/category/x")] == [
        "store",
        "product",
        "store",
        "category",
    ]
