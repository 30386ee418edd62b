"""A configuration's back-test kept only on the series it ran on, read as the dense fold arrays.

A local family runs under the level's budget on a subset of the series (at 100× the demo's product
level, AutoETS on 4 of 37,550 series, the intermittent models on 4,802), yet the CV held each of its
folds as a dense series × horizon array, NaN everywhere else: 11 such configurations × 3 folds ×
37,550 × 42 × 8 bytes ≈ 0.4 GB of NaN held through the level's CV, scoring and selection (the peak of
a 100× training). ``ScopedFolds`` keeps the rows' positions and those rows' values only and builds a
fold's dense array when it is read, so every consumer (scoring, selection, screening) sees exactly the
arrays it saw before, one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np


class ScopedFolds(Sequence[np.ndarray]):
    """Fold paths of one configuration over ``n_series`` series, stored for ``rows`` only.

    ``parts[k]`` holds fold k's paths of the series at ``rows`` (len(rows) × horizon, in ``rows``'
    order); ``self[k]`` is the dense n_series × horizon array with NaN on every other row, built anew
    on each read (callers may modify it).
    """

    def __init__(self, n_series: int, rows: np.ndarray, parts: list[np.ndarray]) -> None:
        self.n_series = int(n_series)
        self.rows = np.asarray(rows, dtype=np.intp)
        self.parts = parts
        for part in parts:
            if part.shape[0] != len(self.rows):
                raise ValueError(f"a fold holds {part.shape[0]} rows, expected {len(self.rows)}")

    def __len__(self) -> int:
        """Number of folds."""
        return len(self.parts)

    @overload
    def __getitem__(self, k: int) -> np.ndarray: ...

    @overload
    def __getitem__(self, k: slice) -> list[np.ndarray]: ...

    def __getitem__(self, k: int | slice) -> np.ndarray | list[np.ndarray]:
        """Fold ``k`` as a dense array (NaN off ``rows``); a slice gives a list of them."""
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        part = self.parts[k]
        full = np.full((self.n_series, *part.shape[1:]), np.nan, dtype=part.dtype)
        full[self.rows] = part
        return full

    def __iter__(self) -> Iterator[np.ndarray]:
        """The dense folds, one at a time."""
        return (self[k] for k in range(len(self)))

    @property
    def dtype(self) -> np.dtype:
        """The folds' element type (as the dense arrays have it)."""
        return self.parts[0].dtype if self.parts else np.dtype(float)

    @classmethod
    def compact(cls, rows: np.ndarray, dense: list[np.ndarray]) -> ScopedFolds:
        """Keep ``rows`` of dense fold arrays whose other rows are all NaN (the caller's guarantee)."""
        n_series = dense[0].shape[0] if dense else 0
        rows = np.asarray(rows, dtype=np.intp)
        return cls(n_series, rows, [d[rows] for d in dense])


def fold_dtype(fold_preds: Sequence[np.ndarray], k: int) -> np.dtype:
    """Element type of fold ``k`` of ``fold_preds`` without building a scoped fold's dense array."""
    if isinstance(fold_preds, ScopedFolds):
        return fold_preds.dtype
    return fold_preds[k].dtype


def merge_folds(first: Sequence[np.ndarray], more: Sequence[np.ndarray]) -> Sequence[np.ndarray]:
    """``first``'s fold paths with its NaN cells filled from ``more`` (a CV pass on other rows).

    Both scoped: the result is scoped on the union of their rows (every other row is NaN in both, so
    the dense arrays equal ``np.where(np.isnan(a), b, a)``); otherwise that dense merge per fold.
    """
    pairs = zip(first, more, strict=True)
    if isinstance(first, ScopedFolds) and isinstance(more, ScopedFolds):
        rows = np.union1d(first.rows, more.rows)
        return ScopedFolds(first.n_series, rows, [np.where(np.isnan(a), b, a)[rows] for a, b in pairs])
    return [np.where(np.isnan(a), b, a) for a, b in pairs]
