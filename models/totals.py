"""Every series' forecast total over the standard horizons, published with its snapshot.

The breakdown under the dashboard's chart shows the forecast total over the view's horizon of every
category of a store, every product of a category, or every store selling a product: at a chain's
scale hundreds to thousands of series per view. Served from a snapshot one series at a time (a Parquet
row group each) that cost grew with the chain: the view callback's p95 at 10× the demo was 4–6× the
1× one. So publishing computes each series' total once, over every standard horizon
(``data.frequency.Frequency.horizon_presets`` of the data's frequency and of each coarser display
frequency, plus the longest one served) — with the served forecaster's own ``row_totals``, so the
numbers are ``horizon_total``'s to the last bit — and writes them as a columnar companion in the
snapshot's series order (``data.forecast_store.TOTALS_SUFFIX``). A worker memory-maps that file; a
breakdown is then a vectorised id lookup and a ``take`` of N values (``StoredForecaster.horizon_totals``).
A horizon that is not standard (typed into a link) is still answered from the per-series reads.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from data.frequency import FREQUENCIES, coarser_or_equal
from models.forecaster import LevelForecaster
from models.periods import max_display_horizon


def totals_column(freq: str, horizon: int) -> str:
    """The companion's column of the totals over ``horizon`` periods of display ``freq`` (``W13``)."""
    return f"{freq}{int(horizon)}"


def standard_horizons(model: LevelForecaster) -> dict[str, tuple[int, ...]]:
    """``{display frequency: horizons}`` published for ``model``: the presets it serves and its longest."""
    out = {}
    for freq in coarser_or_equal(model.freq):
        longest = max_display_horizon(model, freq)
        presets = {h for h in FREQUENCIES[freq].horizon_presets if h <= longest}
        out[freq] = tuple(sorted(presets | {longest}))
    return out


def standard_totals(model: LevelForecaster, rows: np.ndarray) -> pa.Table:
    """One row per series at positions ``rows`` of the served ``model`` (in that order), one float64
    column per standard (frequency, horizon): ``model.row_totals`` of those series."""
    rows = np.asarray(rows, dtype=np.int64)
    columns = {
        totals_column(freq, horizon): model.row_totals(rows, horizon, freq=freq)
        for freq, horizons in standard_horizons(model).items()
        for horizon in horizons
    }
    return pa.table({name: pa.array(values, type=pa.float64()) for name, values in columns.items()})
