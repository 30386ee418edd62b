"""Per-process holder of the MASTER model of each level, hot-swapped from the registry.

Readers take one immutable ``Snapshot`` per request (``holder.snapshot()``), so a swap never mixes two
versions inside one response. The holder learns of a new MASTER with a cheap ``master_versions``
query at most every ``poll_seconds`` (lazily inside ``snapshot()``, one thread at a time, or from a
daemon poller thread); a new artifact is loaded and validated completely (``load_artifact`` +
``validate()`` + a trial forecast) before the reference is replaced. A broken artifact is refused and
logged (and audited once per process as ``model_refused``), the previous MASTER keeps serving, and the
refused version is retried only after a back-off.
The served numbers add up across levels (``models.reconciliation``); since a level's numbers then
depend on the other levels, forecasts are cached per (the served state of every level, series,
horizon, freq, interval) in a bounded LRU, so a swap invalidates them naturally. Works the same in every
gunicorn worker and on every host: each process polls the shared database on its own.

With ``serve_store`` (the default) a level whose MASTER has a published snapshot is served from that
snapshot (``models.stored.StoredForecaster``: per-series reads, a bounded LRU of series), so the
worker's memory does not grow with the number of series; the served state of a level is the pair
(MASTER version, newest snapshot of it), polled in the same check, so a promotion and an origin move
(a new snapshot of the same version) are both one pointer change. Without a snapshot (a MASTER not
yet published, or one whose snapshot cannot be opened) the level is served from its artifact as before.

Where the numbers are made coherent: published snapshots hold the reconciled forecasts already
(``models.publishing.publish_masters`` reconciles the MASTERs before writing), so a level served from
its snapshot is served as published and its ``coherence`` comes from the snapshot. When every level is
served from its artifact (nothing published yet, or ``serve_store`` off) the holder reconciles the
loaded MASTERs itself (``reconciler``), so that fallback adds up too. A mix (a new MASTER served from
its artifact for the moments before its snapshot is written, or a broken snapshot) serves each level's
own numbers and says so in ``Snapshot.coherence``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data.audit import audit
from data.forecast_store import SnapshotInfo, servable, served_snapshots
from data.queries import list_products
from models.artifacts import ArtifactError, load_artifact
from models.reconciliation import Coherence, Reconciled, coherent_served, reconcile_masters
from models.registry import get_version, master_versions
from models.stored import (
    DEFAULT_CACHE_BYTES,
    DEFAULT_CACHE_SERIES,
    StoredForecaster,
    release_unused_buffers,
)

logger = logging.getLogger(__name__)

Loader = Callable[[str, str], Any]  # (artifact_path, level) -> validated LevelForecaster
Reconciler = Callable[[Mapping[str, Any]], Reconciled]  # base MASTERs -> served (coherent) forecasters
OnRefused = Callable[[str, str, Exception], None]  # (level, version_id, error) on a first refusal
RETRY_BASE_SECONDS = 30.0
RETRY_MAX_SECONDS = 600.0


class ModelUnavailableError(LookupError):
    """No MASTER model is loaded for the requested level (none trained yet, or its artifact is broken)."""


@dataclass(frozen=True)
class Snapshot:
    """The MASTER forecasters of every level at one instant; never changes after creation."""

    models: Mapping[str, Any]
    versions: Mapping[str, str]
    loaded_at: float
    served: Mapping[str, int | None] = field(default_factory=lambda: MappingProxyType({}))  # snapshot ids
    coherence: Coherence | None = None  # how the served levels were made to add up (None: not tried)

    @property
    def key(self) -> str:
        """Identifies the served numbers: (version, snapshot) of every level (reconciliation couples them)."""
        return ";".join(f"{lv}={v}@{self.served.get(lv)}" for lv, v in sorted(self.versions.items()))

    def get(self, level: str) -> Any:
        """The forecaster of ``level``; ``ModelUnavailableError`` (listing what is loaded) when absent."""
        try:
            return self.models[level]
        except KeyError:
            loaded = ", ".join(sorted(self.models)) or "none"
            raise ModelUnavailableError(
                f"no MASTER model is loaded for level {level!r} (loaded levels: {loaded}); "
                "train one with `flask --app wsgi train` or `retrain`"
            ) from None


@dataclass
class _Refusal:
    """A MASTER version this process refused to load, and when it may try again."""

    version_id: str
    error: str
    attempts: int
    retry_at: float
    snapshot_id: int | None = None


@dataclass
class _State:
    """Mutable bookkeeping guarded by the holder's refresh lock."""

    refused: dict[str, _Refusal] = field(default_factory=dict)
    base: dict[str, Any] = field(default_factory=dict)  # the loaded MASTERs before any reconciliation
    checked_at: float = float("-inf")
    last_error: str | None = None
    swaps: int = 0
    audited: set[str] = field(default_factory=set)  # versions whose refusal is in the audit log


EMPTY = Snapshot(MappingProxyType({}), MappingProxyType({}), 0.0)


def load_validated(artifact_path: str, level: str) -> Any:
    """Load an artifact and prove it serves: ``load_artifact`` (which validates) plus one trial forecast.

    Why: a swap must never replace a working MASTER with one that fails on the first request.
    """
    model = load_artifact(artifact_path, expected_level=level)
    if not model.series_ids:
        raise ArtifactError(f"model artifact {artifact_path} serves no series")
    try:
        trial = model.forecast(model.series_ids[0], 1)
    except Exception as exc:
        raise ArtifactError(f"model artifact {artifact_path} failed a trial forecast: {exc}") from exc
    if len(trial) != 1:
        raise ArtifactError(f"model artifact {artifact_path} returned {len(trial)} rows for a 1-step trial")
    return model


class ModelHolder:
    """The MASTER models this process serves; thread-safe, refreshed from the registry.

    ``poll_seconds`` is the time-to-live of the last registry check; ``cache_size`` bounds the
    forecast cache; ``loader`` and ``clock`` exist so the refusal and TTL logic can be exercised.
    ``reconciler`` makes MASTERs served from their artifacts coherent (default: ``reconcile_masters``
    with the catalogue's categories; None serves them as they are; published snapshots are reconciled
    already); ``on_refused`` is told once per refused version (the app queues a retrain when an
    artifact's format cannot be read).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        poll_seconds: float = 2.0,
        cache_size: int = 1024,
        loader: Loader = load_validated,
        clock: Callable[[], float] = time.monotonic,
        serve_store: bool = True,
        cache_series: int = DEFAULT_CACHE_SERIES,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        reconciler: Reconciler | None | str = "catalogue",
        on_refused: OnRefused | None = None,
    ) -> None:
        if poll_seconds <= 0:
            raise ValueError(f"poll_seconds must be positive, got {poll_seconds!r}")
        if cache_size < 0:
            raise ValueError(f"cache_size must be zero or more, got {cache_size!r}")
        self._engine = engine
        self._poll = float(poll_seconds)
        self._cache_size = int(cache_size)
        self._loader = loader
        self._clock = clock
        self._serve_store = bool(serve_store)
        self._cache_series = int(cache_series)
        self._cache_bytes = int(cache_bytes)
        self._reconciler: Reconciler | None = (
            self._reconcile_with_catalogue if reconciler == "catalogue" else reconciler  # type: ignore[assignment]
        )
        self._on_refused = on_refused
        self._snapshot = EMPTY
        self._refresh_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._memo: OrderedDict[tuple, Any] = OrderedDict()  # small values derived from a served state
        self._state = _State()
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    # ----- readers -------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The current immutable snapshot, after a registry check when the TTL has expired.

        Only one thread checks and loads at a time; the others keep the current snapshot instead of
        waiting. While nothing at all is served yet (a worker that has just started), a request waits
        for the load in progress (the poller's first one) instead of answering "no MASTER loaded":
        the registry check's time is taken when a load *starts*, so without this wait the requests of
        a fresh worker saw a fresh check and an empty snapshot for as long as the first load took.
        """
        if self._snapshot is EMPTY:
            with self._refresh_lock:  # waits for a load in progress
                if self._snapshot is EMPTY and self._clock() - self._state.checked_at >= self._poll:
                    self._refresh_locked()
            return self._snapshot
        expired = self._clock() - self._state.checked_at >= self._poll
        if expired and not self._poller_alive() and self._refresh_lock.acquire(blocking=False):
            try:
                if self._clock() - self._state.checked_at >= self._poll:
                    self._refresh_locked()
            finally:
                self._refresh_lock.release()
        return self._snapshot

    def get(self, level: str) -> Any:
        """The MASTER forecaster of ``level`` (``ModelUnavailableError`` when none is loaded)."""
        return self.snapshot().get(level)

    def refused_version(self, level: str) -> str | None:
        """The MASTER version of ``level`` this process refused to load (a broken artifact), if any."""
        refusal = self._state.refused.get(level)
        return refusal.version_id if refusal is not None and refusal.snapshot_id is None else None

    def versions(self) -> dict[str, str]:
        """``{level: version_id}`` loaded in this process (what ``/healthz`` reports)."""
        return dict(self.snapshot().versions)

    def forecast(
        self,
        level: str,
        series_id: str,
        horizon: int,
        *,
        freq: str | None = None,
        interval: float = 0.8,
        snapshot: Snapshot | None = None,
    ) -> pd.DataFrame:
        """Forecast of one series by the MASTER of ``level`` (cached per version); returns a copy.

        Pass the request's ``snapshot`` to keep several forecasts of one response on one version.
        """
        snap = snapshot or self.snapshot()
        model = snap.get(level)
        key = (snap.key, level, series_id, horizon, freq, float(interval))
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit.copy()
        frame = model.forecast(series_id, horizon, freq=freq, interval=interval)
        if self._cache_size:
            with self._cache_lock:
                self._cache[key] = frame.copy()
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return frame

    def remember(self, key: tuple, compute: Callable[[], Any], *, snapshot: Snapshot | None = None) -> Any:
        """``compute()`` once per served state and ``key`` (a value derived from the MASTERs, e.g. the
        error correlation of a manager's stores), kept like the cached forecasts (LRU of ``cache_size``,
        dropped when the state is no longer served)."""
        snap = snapshot or self.snapshot()
        full = (snap.key, *key)
        with self._cache_lock:
            if full in self._memo:
                self._memo.move_to_end(full)
                return self._memo[full]
        value = compute()
        if self._cache_size:
            with self._cache_lock:
                self._memo[full] = value
                while len(self._memo) > self._cache_size:
                    self._memo.popitem(last=False)
        return value

    def status(self) -> dict[str, Any]:
        """Loaded versions, refused versions with their errors, and the age of the last check."""
        snap = self.snapshot()
        age = self._clock() - self._state.checked_at
        return {
            "versions": dict(snap.versions),
            "snapshots": dict(snap.served),
            "refused": {
                lv: {"version": r.version_id, "error": r.error} for lv, r in self._state.refused.items()
            },
            "checked_seconds_ago": round(age, 3) if age != float("inf") else None,
            "swaps": self._state.swaps,
            "last_error": self._state.last_error,
            "cached_forecasts": len(self._cache),
        }

    # ----- refreshing ----------------------------------------------------------------------
    def refresh(self) -> bool:
        """Check the registry now and swap in changed MASTERs; True when the snapshot changed."""
        with self._refresh_lock:
            return self._refresh_locked()

    def _refresh_locked(self) -> bool:
        now = self._clock()
        self._state.checked_at = now
        try:
            wanted = master_versions(self._engine)
            pointers = served_snapshots(self._engine, wanted) if self._serve_store else {}
        except Exception as exc:  # database briefly unavailable: keep serving what we have
            self._state.last_error = f"registry check failed: {type(exc).__name__}: {exc}"
            logger.warning("MASTER version check failed; keeping current models: %s", exc)
            return False
        self._state.last_error = None
        current = self._snapshot
        models = dict(self._state.base)
        versions = dict(current.versions)
        served = dict(current.served)
        changed = False
        for level, version_id in wanted.items():
            pointer = pointers.get(level)
            pointer = pointer if pointer is not None and servable(pointer) else None
            target = pointer.id if pointer is not None else None
            if versions.get(level) == version_id and served.get(level) == target:
                self._state.refused.pop(level, None)
                continue
            loaded = self._load(level, version_id, pointer, now)
            if loaded is not None:
                models[level], versions[level] = loaded[0], version_id
                served[level] = loaded[1]
                changed = True
        for level in set(versions) - set(wanted):  # alias removed: stop serving that level
            models.pop(level)
            versions.pop(level)
            served.pop(level, None)
            changed = True
        if changed:
            self._state.base = dict(models)
            shown, coherence = self._coherent(models, served)
            self._snapshot = Snapshot(
                MappingProxyType(shown),
                MappingProxyType(versions),
                now,
                MappingProxyType(served),
                coherence,
            )
            self._state.swaps += 1
            self._drop_stale_cache(self._snapshot.key)
            release_unused_buffers()  # the loads' decoded row groups are garbage now
            logger.info("now serving MASTER versions %s (snapshots %s)", versions, served)
        return changed

    def _coherent(
        self, models: dict[str, Any], served: Mapping[str, int | None]
    ) -> tuple[dict[str, Any], Coherence | None]:
        """The forecasters to serve and how they add up (``models.reconciliation.coherent_served``:
        published snapshots are reconciled already; artifacts are reconciled here)."""
        from_store = {lv for lv in models if served.get(lv) is not None}
        return coherent_served(models, from_store, self._reconciler)

    def _reconcile_with_catalogue(self, models: Mapping[str, Any]) -> Reconciled:
        """``reconcile_masters`` with the product → category map of the catalogue."""
        return reconcile_masters(models, dict(list_products(self._engine)))

    def _load(
        self, level: str, version_id: str, pointer: SnapshotInfo | None, now: float
    ) -> tuple[Any, int | None] | None:
        """Load one version (from its snapshot when given, else its artifact) as ``(model, snapshot id)``,
        or record a refusal (with back-off) and return None.

        A snapshot that cannot be opened falls back to the artifact when this process does not serve
        that version yet, so a broken snapshot never leaves a new MASTER unserved.
        """
        target = pointer.id if pointer is not None else None
        refused = self._state.refused.get(level)
        same = refused is not None and (refused.version_id, refused.snapshot_id) == (version_id, target)
        if same and now < refused.retry_at:
            return None
        attempts = refused.attempts + 1 if same else 1
        try:
            if pointer is not None:
                model = StoredForecaster.open(
                    pointer, cache_series=self._cache_series, cache_bytes=self._cache_bytes
                )
            else:
                info = get_version(self._engine, version_id)
                model = self._loader(info.artifact_path, level)
            if model.version not in (None, version_id):
                raise ArtifactError(
                    f"artifact carries version {model.version!r}, the registry says {version_id!r}"
                )
        except Exception as exc:
            delay = min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS)
            error = f"{type(exc).__name__}: {exc}"
            self._state.refused[level] = _Refusal(version_id, error, attempts, now + delay, target)
            if pointer is not None and self._snapshot.versions.get(level) != version_id:
                logger.error(
                    "cannot serve snapshot %s of %s; serving its artifact: %s", target, version_id, error
                )
                return self._load(level, version_id, None, now)
            serving = self._snapshot.versions.get(level)
            logger.error(
                "refusing MASTER %s of level %s (still serving %s; next try in %.0fs): %s",
                version_id,
                level,
                serving or "nothing",
                delay,
                error,
            )
            if pointer is None and version_id not in self._state.audited:  # a snapshot refusal is logged only
                self._state.audited.add(version_id)
                self._audit_refusal(level, version_id, error)
                self._tell_refused(level, version_id, exc)
            return None
        self._state.refused.pop(level, None)
        return model, target

    def _audit_refusal(self, level: str, version_id: str, error: str) -> None:
        """Tell the administrators (Admin › Audit) once per process and version; never raises."""
        try:
            with Session(self._engine) as session, session.begin():
                audit(session, "system", "model_refused", level=level, version=version_id, error=error[:500])
        except Exception:
            logger.warning("could not record the refusal of %s in the audit log", version_id, exc_info=True)

    def _tell_refused(self, level: str, version_id: str, exc: Exception) -> None:
        """Run the ``on_refused`` hook; never raises (a hook failure must not stop serving)."""
        if self._on_refused is None:
            return
        try:
            self._on_refused(level, version_id, exc)
        except Exception:
            logger.warning("the refusal hook failed for %s", version_id, exc_info=True)

    def _drop_stale_cache(self, live_key: str) -> None:
        """Free cached forecasts of served states no longer served (they can never be hit again)."""
        with self._cache_lock:
            for key in [k for k in self._cache if k[0] != live_key]:
                del self._cache[key]
            for key in [k for k in self._memo if k[0] != live_key]:
                del self._memo[key]

    # ----- optional background poller --------------------------------------------------------
    def start_polling(self) -> None:
        """Refresh from a daemon thread every ``poll_seconds`` so requests never pay for a load."""
        if self._poller_alive():
            return
        self._stop.clear()
        self._poller = threading.Thread(target=self._poll_loop, name="model-holder-poller", daemon=True)
        self._poller.start()

    def stop_polling(self, timeout: float = 5.0) -> None:
        """Stop the poller thread (if any) and wait for it."""
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout)
        self._poller = None

    def _poller_alive(self) -> bool:
        return self._poller is not None and self._poller.is_alive()

    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
            except Exception:  # never let the poller die silently
                logger.exception("model holder refresh failed")
            self._stop.wait(self._poll)
