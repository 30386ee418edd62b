"""Admin grids share the width by flex above each column's minimum, never by sizeColumnsToFit."""

from __future__ import annotations

import pytest

from components.admin.audit import AUDIT_COLUMNS
from components.admin.common import grid
from components.admin.registry import VERSION_COLUMNS
from components.admin.training import JOB_COLUMNS
from components.admin.users import USER_COLUMNS


def test_grids_do_not_size_columns_to_fit():
    # responsiveSizeToFit ran sizeColumnsToFit on grids hidden in inactive sub-tabs (AG Grid warning #29)
    # and squeezed key columns below their content ("MAST…", "WA…").
    made = grid("g", VERSION_COLUMNS, selection="multiRow", row_id="id")
    assert getattr(made, "columnSize", None) is None
    assert made.defaultColDef["flex"] == 1 and made.defaultColDef["minWidth"] >= 100


@pytest.mark.parametrize("columns", [VERSION_COLUMNS, USER_COLUMNS, JOB_COLUMNS, AUDIT_COLUMNS])
def test_every_column_has_a_minimum_width_and_no_maximum(columns):
    assert all(c.get("minWidth", 0) >= 90 and "maxWidth" not in c for c in columns)


def test_registry_key_columns_come_first_and_are_wide_enough():
    fields = [c["field"] for c in VERSION_COLUMNS]
    # the columns that decide first: the version, its status, the comparable WAPE and the decision
    assert fields[:4] == ["id", "status", "master_folds_wape", "decision"]
    width = {c["field"]: c["minWidth"] for c in VERSION_COLUMNS}
    assert width["id"] >= 300 and width["status"] >= 120 and width["master_folds_wape"] >= 120
    assert width["wape"] >= 120
