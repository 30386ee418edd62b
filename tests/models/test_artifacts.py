"""Model artifacts: atomic writes (no torn file under the final name) and validated loads."""

from __future__ import annotations

import json
import os
from pathlib import Path

import joblib
import pytest

from models.artifacts import ArtifactError, load_artifact, save_artifact, write_json_atomic


class Unpicklable:
    """Pickling this raises half-way through a dump (stands in for a disk-full or similar error)."""

    def __init__(self) -> None:
        self.payload = list(range(100_000))

    def __reduce__(self):
        raise OSError("simulated failure while writing")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_save_round_trip_and_no_temp_left(tmp_path: Path) -> None:
    path = save_artifact({"a": [1, 2, 3]}, tmp_path / "m" / "model.joblib")
    assert path == tmp_path / "m" / "model.joblib"
    assert joblib.load(path) == {"a": [1, 2, 3]}
    assert _leftovers(path.parent) == []


def test_failed_write_leaves_no_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "model.joblib"
    with pytest.raises(OSError, match="simulated failure"):
        save_artifact({"big": Unpicklable()}, target)
    assert not target.exists()
    assert _leftovers(tmp_path) == []


def test_failed_write_keeps_previous_complete_file(tmp_path: Path) -> None:
    target = tmp_path / "model.joblib"
    save_artifact({"version": 1}, target)
    with pytest.raises(OSError):
        save_artifact({"version": 2, "big": Unpicklable()}, target)
    assert joblib.load(target) == {"version": 1}
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_raises_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError):
            save_artifact({"x": 1}, folder / "model.joblib")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_write_json_atomic_refuses_nan_before_touching_the_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    write_json_atomic({"wape": 0.1}, target)
    with pytest.raises(ValueError):
        write_json_atomic({"wape": float("nan")}, target)
    assert json.loads(target.read_text()) == {"wape": 0.1}
    assert _leftovers(tmp_path) == []


def test_load_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="does not exist"):
        load_artifact(tmp_path / "nope.joblib")


def test_load_corrupt_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "model.joblib"
    bad.write_bytes(b"this is not a pickle")
    with pytest.raises(ArtifactError, match="cannot be read"):
        load_artifact(bad)


def test_load_foreign_object_is_refused(tmp_path: Path) -> None:
    path = save_artifact({"not": "a forecaster"}, tmp_path / "model.joblib")
    with pytest.raises(ArtifactError, match="not a LevelForecaster"):
        load_artifact(path)
