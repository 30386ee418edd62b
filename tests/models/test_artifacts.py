"""Model artifacts: atomic writes (no torn file under the final name) and validated loads."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import joblib
import pytest

from models.artifacts import ArtifactError, load_artifact, save_artifact, write_json_atomic

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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


def test_disk_full_while_writing_leaves_no_file_and_no_temp(tmp_path: Path) -> None:
    """A real short write: the OS refuses to grow files past 64 KiB (RLIMIT_FSIZE), as on a full disk."""
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        import numpy as np
        from models.artifacts import save_artifact
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.RLIM_INFINITY))
        try:
            target = {str(tmp_path / "model.joblib")!r}
            save_artifact({{"weights": np.arange(1_000_000, dtype=float)}}, target)
        except OSError as exc:
            print("refused:", exc)
            sys.exit(3)
        sys.exit(0)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "File too large" in proc.stdout
    assert not (tmp_path / "model.joblib").exists()
    assert _leftovers(tmp_path) == []


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
