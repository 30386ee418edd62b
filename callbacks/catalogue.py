"""Per-app caches of slow-changing lookups: the sales catalogue and registry facts of served versions.

The catalogue (stores, categories, products and what each store carries) is reloaded only when the
data changed: after ``ttl`` seconds one cheap query reads the time of the last import, and only a new
import triggers the reload. Version facts are cached per version id (versions never change).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from components.state import Catalogue
from data import storage
from data.queries import carried_index, last_import_stamp
from data.reporting import load_reporting
from models.registry import VersionInfo, get_version


def load_catalogue(engine: Any, *, silent_days: int) -> Catalogue:
    """Read the catalogue and the stores' reporting (``silent_days``: the silence threshold setting)
    from the database (a handful of indexed queries; what each store carries is one streamed read of
    the series catalogue into a compact ``CarriedIndex``: each worker holds it)."""
    stores = storage.list_stores(engine)
    pairs = storage.list_products(engine)
    span = storage.date_range(engine)
    carried = carried_index(engine)
    return Catalogue(
        stores=tuple(stores),
        categories=tuple(storage.list_categories(engine)),
        product_category=dict(pairs),
        carried=carried,
        freq=storage.dataset_frequency(engine),
        last_date=span[1] if span else None,
        reporting=load_reporting(engine, silent_days=silent_days),
    )


class CatalogueCache:
    """The catalogue of one app's database, refreshed when a new import lands (checked every ``ttl`` s);
    ``silent_days`` is the ``store_silent_days`` setting of the reporting rule."""

    def __init__(
        self,
        engine: Any,
        *,
        ttl: float = 10.0,
        silent_days: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._silent_days = silent_days
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._value: Catalogue | None = None
        self._stamp: Any = None
        self._checked = float("-inf")
        self._versions: dict[str, VersionInfo] = {}

    def get(self) -> Catalogue:
        """The current catalogue (one stamp query at most every ``ttl`` seconds, a reload on change)."""
        with self._lock:
            now = self._clock()
            if self._value is not None and now - self._checked < self._ttl:
                return self._value
            stamp = last_import_stamp(self._engine)
            if self._value is None or stamp != self._stamp:
                self._value = load_catalogue(self._engine, silent_days=self._silent_days)
                self._stamp = stamp
            self._checked = now
            return self._value

    def version(self, version_id: str) -> VersionInfo | None:
        """Registry facts of a version (cached; None when the registry does not know it)."""
        with self._lock:
            info = self._versions.get(version_id)
        if info is None:
            try:
                info = get_version(self._engine, version_id)
            except LookupError:
                return None
            with self._lock:
                self._versions[version_id] = info
        return info
