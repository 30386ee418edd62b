"""What each store carries, as a compact read-only mapping ``store -> frozenset of products``.

Why: every serving worker keeps the catalogue (pickers, breakdowns, "stores carrying this product").
A ``dict`` of ``frozenset``s costs ~125 bytes per (store, product) pair — 126 MB per worker at 1M
series. ``CarriedIndex`` keeps one sorted tuple of product names and, per store, the sorted int32
positions of its products (compressed sparse rows): 4 bytes per pair plus the names once. The
``frozenset`` of a store is built when asked for (one store's products: small and short-lived).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping

import numpy as np


class CarriedIndex(Mapping[str, frozenset[str]]):
    """``store -> frozenset(products)`` over (store, product) pairs (see the module docstring)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        stores: list[str] = []
        starts: list[int] = []
        codes: dict[str, int] = {}
        raw = np.empty(1024, dtype=np.int32)
        n = 0
        last_store = None
        for store, product in sorted(pairs) if not isinstance(pairs, _Sorted) else pairs:
            if store != last_store:
                stores.append(store)
                starts.append(n)
                last_store = store
            if n == len(raw):
                raw = np.resize(raw, 2 * len(raw))
            raw[n] = codes.setdefault(product, len(codes))
            n += 1
        if len(set(stores)) != len(stores):
            raise ValueError("pairs of one store must be contiguous (order them by store)")
        products = sorted(codes)
        remap = np.empty(len(codes), dtype=np.int32)
        for i, name in enumerate(products):
            remap[codes[name]] = i
        bounds = [*starts, n]
        order = sorted(range(len(stores)), key=stores.__getitem__)  # Python's order, whatever the DB's
        self._products = tuple(products)
        self._stores = tuple(stores[i] for i in order)
        pieces = [np.sort(remap[raw[bounds[i] : bounds[i + 1]]]) for i in order]
        sizes = np.asarray([len(p) for p in pieces], dtype=np.int64)
        self._starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self._codes = np.concatenate(pieces).astype(np.int32) if pieces else np.empty(0, dtype=np.int32)

    @classmethod
    def from_sorted(cls, pairs: Iterable[tuple[str, str]]) -> CarriedIndex:
        """Build from pairs whose stores come in contiguous runs (a database read ``ORDER BY store``,
        in any collation), streaming: no list of every pair is made."""
        return cls(_Sorted(pairs))

    @classmethod
    def from_mapping(cls, carried: Mapping[str, Iterable[str]]) -> CarriedIndex:
        """Build from ``{store: products}``."""
        return cls((s, p) for s, products in carried.items() for p in products)

    def _store(self, store: object) -> int:
        if not isinstance(store, str):
            return -1
        i = bisect.bisect_left(self._stores, store)
        return i if i < len(self._stores) and self._stores[i] == store else -1

    def __getitem__(self, store: str) -> frozenset[str]:
        i = self._store(store)
        if i < 0:
            raise KeyError(store)
        names = self._products
        return frozenset(names[c] for c in self._codes[self._starts[i] : self._starts[i + 1]])

    def __contains__(self, store: object) -> bool:
        return self._store(store) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._stores)

    def __len__(self) -> int:
        return len(self._stores)

    def carries(self, store: str, product: str) -> bool:
        """True when ``store`` carries ``product`` (two binary searches, no set built)."""
        i = self._store(store)
        p = bisect.bisect_left(self._products, product)
        if i < 0 or p >= len(self._products) or self._products[p] != product:
            return False
        row = self._codes[self._starts[i] : self._starts[i + 1]]
        j = int(np.searchsorted(row, p))
        return j < len(row) and int(row[j]) == p

    def stores_with(self, product: str) -> list[str]:
        """The stores carrying ``product``, in sorted order: one vectorised pass over the codes (a
        ``carries`` call per store was 16 ms per view at 1,000 stores)."""
        p = bisect.bisect_left(self._products, product)
        if p >= len(self._products) or self._products[p] != product:
            return []
        hits = np.flatnonzero(self._codes == p)
        rows = np.searchsorted(self._starts, hits, side="right") - 1
        return [self._stores[i] for i in rows.tolist()]

    @property
    def pairs(self) -> int:
        """How many (store, product) pairs (the product level's store series)."""
        return len(self._codes)

    def nbytes(self) -> int:
        """Bytes of the index arrays (the names are counted by the caller's ``sys.getsizeof`` if needed)."""
        return self._codes.nbytes + self._starts.nbytes


class _Sorted:
    """Marks pairs already in (store, product) order, so the index skips sorting them."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._pairs = pairs

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._pairs)
