"""Use case "which stores may this user see": per-manager store scopes and their enforcement.

A ``StoreScope`` is every store (admins, and managers by default) or a set of stores. Every forecast
a scoped manager gets goes through a ``ScopedSource``: a series of another store raises
``StoreNotAllowed``, and a chain-wide series (``store=*…``) becomes the sum of the allowed stores'
series ("my stores"). The interval of that sum combines the stores' bands with one correlation ``rho``
between the stores' errors, estimated from their back-tests (``error_correlation``: the moment estimate
over the folds and dates every store was back-tested on, clipped to [0, 1]): each half-width is
``sqrt(sum h_i**2 + rho * ((sum h_i)**2 - sum h_i**2))`` — the quadrature sum of independent stores
(rho = 0) up to the plain sum of stores that move together (rho = 1). The intervals' own per-step
maths does the same over time (``models.intervals``). Without back-tests rho is 0 (the narrow side).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from data import access, accounts, storage
from data.audit import audit
from data.db import session_scope
from data.i18n import N_, Readable
from data.schema import User

ALL_MARK = "*"


class StoreNotAllowed(PermissionError):
    """A request for a store outside the user's scope; the message names it."""


class ScopeError(Readable, ValueError):
    """A scope that cannot be assigned (unknown user or store); the message says why (``text(language)``
    in the reader's language)."""


@dataclass(frozen=True)
class StoreScope:
    """The stores one user may see: ``stores=None`` is every store."""

    stores: frozenset[str] | None = None

    @property
    def everything(self) -> bool:
        """True when no store is held back."""
        return self.stores is None

    def allows(self, store: str | None) -> bool:
        """True for a store in scope; ``None`` (all stores together) is allowed: it means "my stores"."""
        return self.stores is None or store is None or store == ALL_MARK or store in self.stores

    def check(self, store: str | None) -> None:
        """Raise ``StoreNotAllowed`` for a store outside the scope."""
        if not self.allows(store):
            raise StoreNotAllowed(f"the store {store!r} is not available to you")

    def describe(self) -> str:
        """``all stores`` or the store names, for lists and the CLI."""
        return "all stores" if self.stores is None else ", ".join(sorted(self.stores))


ALL_STORES = StoreScope()


def split_series_id(series_id: str) -> tuple[str, str]:
    """``(store, rest)`` of a series id: ``store=S1|product=P`` is ``("S1", "|product=P")``."""
    head, sep, rest = series_id.partition("|")
    if not head.startswith("store="):
        raise KeyError(f"unknown series {series_id!r}: series ids start with store=")
    return head[len("store=") :], sep + rest


def _combined_width(halves: list[np.ndarray], rho: float) -> np.ndarray:
    """Half-width of a sum of parts with half-widths ``halves`` and error correlation ``rho``."""
    squares = sum(h**2 for h in halves)
    return np.sqrt(squares + rho * (sum(halves) ** 2 - squares))


def errors_by_key(backtest: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A back-test's errors (``actual - forecast``) keyed by (fold, day) as sorted whole numbers."""
    days = pd.DatetimeIndex(backtest["date"]).asi8 // 86_400_000_000_000
    keys = backtest["fold"].to_numpy(dtype=np.int64) * 10_000_000 + days
    errors = backtest["actual"].to_numpy(dtype=float) - backtest["forecast"].to_numpy(dtype=float)
    order = np.argsort(keys, kind="stable")
    return keys[order], errors[order]


def error_correlation(backtests: list[pd.DataFrame]) -> float:
    """One correlation between the parts' back-test errors (``actual - forecast``), in [0, 1].

    The moment estimate over the (fold, date) pairs every part was back-tested on: the sum's mean
    squared error against the parts' own, ``(E[S^2] - sum E[e_i^2]) / ((sum rms_i)^2 - sum E[e_i^2])``.
    0 with fewer than 2 parts or 2 shared pairs (nothing to estimate from).
    """
    parts = [errors_by_key(b) for b in backtests if not b.empty]
    if len(parts) < 2:
        return 0.0
    shared = functools.reduce(np.intersect1d, (keys for keys, _ in parts))
    if len(shared) < 2:
        return 0.0
    joined = np.stack([errors[np.searchsorted(keys, shared)] for keys, errors in parts])
    own = (joined**2).mean(axis=1)
    spread = np.sqrt(own).sum() ** 2 - own.sum()
    if spread <= 0:
        return 0.0
    rho = ((joined.sum(axis=0) ** 2).mean() - own.sum()) / spread
    return float(np.clip(rho, 0.0, 1.0))


def combine_forecasts(frames: list[pd.DataFrame], rho: float = 0.0) -> pd.DataFrame:
    """The sum of several series' forecasts (same periods); bands combined with the parts' error
    correlation ``rho`` (0: in quadrature; see the module docstring)."""
    first = frames[0]
    point = sum(f["forecast"].to_numpy(dtype=float) for f in frames)
    below = _combined_width(
        [f["forecast"].to_numpy(dtype=float) - f["lower"].to_numpy(dtype=float) for f in frames], rho
    )
    above = _combined_width(
        [f["upper"].to_numpy(dtype=float) - f["forecast"].to_numpy(dtype=float) for f in frames], rho
    )
    lower = point - below
    if all((f["lower"] >= 0).all() for f in frames):
        lower = np.maximum(lower, 0.0)  # the parts' bands were non-negative: keep the sum's too
    return pd.DataFrame(
        {"date": first["date"].to_numpy(), "forecast": point, "lower": lower, "upper": point + above}
    )


def scope_parts(series_ids: Iterable[str], scope: StoreScope) -> dict[str, tuple[str, ...]]:
    """``rest -> served series ids of the allowed stores``: the parts of each "my stores" series.

    One pass over every served id; the holder keeps the result per served version and scope
    (``ScopedSource.model``), so a request does not repeat it (37,550 ids at 100x the demo)."""
    parts: dict[str, list[str]] = {}
    for sid in series_ids:
        store, rest = split_series_id(sid)
        if store != ALL_MARK and scope.allows(store):
            parts.setdefault(rest, []).append(sid)
    return {rest: tuple(ids) for rest, ids in parts.items()}


class ScopedModel:
    """A forecaster seen through a scope: other stores' series hidden, ``store=*`` series summed."""

    def __init__(
        self, model: Any, scope: StoreScope, parts: dict[str, tuple[str, ...]] | None = None
    ) -> None:
        self._model = model
        self._scope = scope
        if parts is not None:  # computed before for this model and scope (see ``scope_parts``)
            self.__dict__["_parts"] = parts

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)  # freq, alias, level, data_range, metrics, params, …

    @cached_property
    def _parts(self) -> dict[str, tuple[str, ...]]:
        """``rest -> served series ids of the allowed stores`` (the parts of each "my stores" series)."""
        return scope_parts(self._model.series_ids, self._scope)

    @cached_property
    def series_ids(self) -> tuple[str, ...]:
        """The allowed stores' series and the "my stores" series that have at least one part."""
        mine = tuple(f"store={ALL_MARK}{rest}" for rest in self._parts)
        return tuple(s for ids in self._parts.values() for s in ids) + mine

    def parts(self, series_id: str) -> tuple[str, ...]:
        """The served series that make up ``series_id`` (itself for one store); refuses other stores."""
        store, rest = split_series_id(series_id)
        self._scope.check(store)
        if store != ALL_MARK:
            return (series_id,)
        if rest not in self._parts:
            raise KeyError(f"no series {series_id!r} among the stores available to you")
        return self._parts[rest]

    def correlation(self, ids: tuple[str, ...]) -> float:
        """The back-test error correlation of the parts ``ids`` (0 when they have no back-test)."""
        if len(ids) < 2:
            return 0.0
        try:
            return error_correlation([self._model.backtest(s) for s in ids])
        except (KeyError, AttributeError, ValueError):
            return 0.0

    def forecast(
        self, series_id: str, horizon: int, *, freq: str | None = None, interval: float = 0.8
    ) -> Any:
        """The forecast of an allowed series, or the combined forecast of "my stores"."""
        ids = self.parts(series_id)
        frames = [self._model.forecast(s, horizon, freq=freq, interval=interval) for s in ids]
        return frames[0] if len(frames) == 1 else combine_forecasts(frames, self.correlation(ids))

    def horizon_total(self, series_id: str, horizon: int, *, freq: str | None = None) -> float:
        """Point forecast over the horizon (the sum of the parts' totals)."""
        return float(sum(self._model.horizon_total(s, horizon, freq=freq) for s in self.parts(series_id)))

    def horizon_totals(
        self, series_ids: Iterable[str], horizon: int, *, freq: str | None = None
    ) -> pd.Series:
        """``horizon_total`` of the served ids among ``series_ids`` (in that order): the parts' totals
        read in one batch from the forecaster, then summed per series."""
        served = set(self.series_ids)
        parts = {sid: self.parts(sid) for sid in series_ids if sid in served}
        inner = self._model.horizon_totals([p for ids in parts.values() for p in ids], horizon, freq=freq)
        sums = [float(sum(inner[p] for p in ids)) for ids in parts.values()]
        return pd.Series(sums, index=pd.Index(list(parts), dtype=object), dtype=float)

    def history(self, series_id: str) -> pd.Series:
        """Actuals of the series (summed over the parts, a part counting 0 before it starts)."""
        ids = self.parts(series_id)
        series = [self._model.history(s) for s in ids]
        if len(series) == 1:
            return series[0]
        total = pd.concat(series, axis=1).fillna(0.0).sum(axis=1).sort_index()
        return total.rename(series_id)

    def backtest(self, series_id: str) -> pd.DataFrame:
        """Back-test of the series: the parts' actuals and forecasts summed per date and fold."""
        ids = self.parts(series_id)
        frames = [self._model.backtest(s) for s in ids]
        if len(frames) == 1:
            return frames[0]
        joined = pd.concat(frames, ignore_index=True)
        summed = joined.groupby(["date", "fold"], as_index=False)[["actual", "forecast"]].sum()
        return summed.sort_values("date", ignore_index=True)[list(frames[0].columns)]


@dataclass(frozen=True)
class ScopedSource:
    """A ``ModelSource`` limited to one scope (see the module docstring)."""

    inner: Any
    scope: StoreScope

    def model(self, level: str) -> Any:
        """The forecaster of ``level`` as this scope sees it (its parts kept per served version)."""
        inner = self.inner.model(level)
        remember = getattr(self.inner, "remember", None)  # the holder keeps it per served version
        if remember is None:
            return ScopedModel(inner, self.scope)
        key = ("scope_parts", level, getattr(inner, "version", None), self.scope.stores)
        return ScopedModel(
            inner, self.scope, remember(key, lambda: scope_parts(inner.series_ids, self.scope))
        )

    def version(self, level: str) -> str | None:
        """The version id of ``level``."""
        return self.inner.version(level)

    def refused_version(self, level: str) -> str | None:
        """The MASTER version of ``level`` that could not be loaded, if any (scopes do not change it)."""
        return self.inner.refused_version(level)

    def forecast(
        self, level: str, series_id: str, horizon: int, *, freq: str | None, interval: float
    ) -> pd.DataFrame:
        """An allowed series' (cached) forecast, or "my stores" combined from the parts' forecasts."""
        model = self.model(level)
        ids = model.parts(series_id)
        frames = [self.inner.forecast(level, s, horizon, freq=freq, interval=interval) for s in ids]
        if len(frames) == 1:
            return frames[0]
        remember = getattr(self.inner, "remember", None)  # the holder keeps it per served version
        rho = (
            remember(("error_correlation", level, ids), lambda: model.correlation(ids))
            if remember is not None
            else model.correlation(ids)
        )
        return combine_forecasts(frames, rho)


def scoped(source: Any, scope: StoreScope) -> Any:
    """``source`` limited to ``scope`` (the source itself for every store)."""
    return source if scope.everything else ScopedSource(source, scope)


def user_scope(sessions: sessionmaker[Session], user: User | None) -> StoreScope:
    """The scope of a user: every store for admins and unscoped managers."""
    if user is None:
        return StoreScope(frozenset())
    if user.is_admin:
        return ALL_STORES
    with sessions() as session:
        return StoreScope(access.store_scope(session, user.id))


def set_user_scope(
    sessions: sessionmaker[Session],
    username: str,
    stores: Iterable[str] | None,
    *,
    known_stores: Iterable[str],
    actor: str,
) -> StoreScope:
    """Limit ``username`` to ``stores`` (None: every store), audited as ``user_scope``.

    Stores must exist in the catalogue ``known_stores``; an admin is never limited.
    """
    chosen = None if stores is None else frozenset(s.strip() for s in stores if s.strip())
    if chosen is not None:
        if not chosen:
            raise ScopeError(N_("name at least one store, or choose all stores"))
        unknown = sorted(chosen - set(known_stores))
        if unknown:
            raise ScopeError(
                N_("unknown store(s): %(unknown)s; stores: %(known)s"),
                unknown=", ".join(unknown),
                known=", ".join(sorted(known_stores)),
            )
    with session_scope(sessions) as session:
        user = accounts.find_user(session, username)
        if user is None:
            raise ScopeError(N_("no user named %(name)s"), name=repr(username))
        if user.is_admin and chosen is not None:
            raise ScopeError(
                N_("administrators always see every store (%(name)s is an administrator)"), name=username
            )
        access.set_store_scope(session, user.id, chosen)
        audit(session, actor, "user_scope", user=user.username, stores=sorted(chosen) if chosen else "all")
    return StoreScope(chosen)


def scopes_by_user(sessions: sessionmaker[Session]) -> dict[str, StoreScope]:
    """The scope of every user, by name (for Admin › Users)."""
    with sessions() as session:
        return {
            u.username: ALL_STORES if u.is_admin else StoreScope(access.store_scope(session, u.id))
            for u in accounts.list_users(session)
        }


def store_names(engine: Any) -> list[str]:
    """The stores of the sales catalogue (what a scope may name)."""
    return list(storage.list_stores(engine))
