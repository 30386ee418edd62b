"""The local back-test protocol on one window: refit at every fold vs fit once and roll forward.

The engine's local back-tests (``backtest.local_backtest``) fit each statsforecast model once, at the first
fold's cutoff, and forecast the later folds with ``forward``; ``backtest.fold_predict`` refits at each
cutoff. On short histories the first fit sees few points, and its parameters are then frozen for every
fold. This prints both per fold (WAPE over the dataset's series, the all-stores total left out) for the
folds the engine would use at one benchmark window (``--quick`` windows).

Run: ``.venv/bin/python bench/protocol_check.py DATASET WINDOW ets,theta,arima`` (WINDOW 0 or 1).
"""

import sys
import warnings
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import bench_real_series as b  # noqa: E402
import holdout_data  # noqa: E402
import numpy as np  # noqa: E402
import real_data  # noqa: E402

from models.backtest import fold_predict, local_backtest  # noqa: E402
from models.evaluation import make_folds  # noqa: E402
from models.series import sales_panel  # noqa: E402
from models.training import fold_horizon, min_train_steps  # noqa: E402

warnings.simplefilter("ignore")
name, w, fams = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
specs = holdout_data.SPECS if name in holdout_data.SPECS else real_data.SPECS
ds = real_data.load(name, specs=specs, max_series=8, max_windows=2)
cut = b._cutoffs(ds)[w]
sales, served = b.to_sales(ds.df[ds.df.ds <= cut])
panel = sales_panel(sales, "store", ds.freq)
H = fold_horizon(ds.freq, len(panel.dates), 3)
folds = make_folds(panel.dates, ds.freq, H, 3, min_train_steps(ds.freq))
pos = folds.positions(panel.dates)
keep = np.array([not str(i).endswith("*") for i in panel.ids])
vals = panel.values


def wape(paths: np.ndarray, p: int) -> float:
    """WAPE of the first ``H`` steps after position ``p`` over the kept series."""
    a = vals[keep, p + 1 : p + 1 + H]
    f = np.clip(np.nan_to_num(paths[keep, :H]), 0, None)
    ok = ~np.isnan(a)
    return float(round(100 * np.abs(f - np.nan_to_num(a))[ok].sum() / np.abs(a[ok]).sum(), 1))


print(
    name,
    "window",
    cut.date(),
    "folds",
    [str(c.date()) for c in folds.cutoffs],
    "H",
    H,
    "train steps at first fold",
    pos[0] + 1,
)
for fam in fams:
    refit = [wape(fold_predict(panel, {"family": fam}, p, H, 0), p) for p in pos]
    fw = local_backtest(panel, {"family": fam}, pos, H, 0)
    print(f"  {fam:6s} refit {refit}  fit-once+forward {[wape(fw[k], p) for k, p in enumerate(pos)]}")
