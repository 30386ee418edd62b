"""Fixtures for the sales-data tests: writing small sales files and counting what the database holds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

HEADER = "date,store,category,product,revenue"


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Write ``content`` (text, or bytes as given) to ``tmp_path/name`` and return the path."""

    def write(name: str, content: str | bytes, *, encoding: str = "utf-8") -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding)
        return path

    return write


@pytest.fixture
def sales_csv(write_file: Callable[..., Path]) -> Callable[..., Path]:
    """Write a comma-separated sales file from data lines under the standard English header."""

    def write(name: str, *lines: str, header: str = HEADER) -> Path:
        return write_file(name, "\n".join([header, *lines]) + "\n")

    return write


@pytest.fixture
def upload_dir(tmp_path: Path) -> Path:
    """Folder where the importer keeps raw files."""
    return tmp_path / "uploads"


@pytest.fixture
def db_counts(engine: Engine) -> Callable[[], dict[str, int]]:
    """Row counts of the tables an import writes (sales, catalogue, settings, uploads)."""

    def counts() -> dict[str, int]:
        with engine.connect() as conn:
            return {
                t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                for t in ("sales", "stores", "products", "settings", "uploads")
            }

    return counts
