"""Why the engine wins or loses on a real dataset: its choices per series, its folds' verdict vs the windows.

For each of the benchmark's windows (same cutoffs as ``bench_real_series.py``), the engine trains on the data
up to the cutoff as the suite does; this prints, per cutoff:

* the level's choice (``best_params``: one family, or the per-series mix) and each series' member;
* the **folds' verdict**: the engine's own CV WAPE of each family (pooled over its folds, on the series it
  ran on) next to the **window's verdict**: the held-out WAPE of the statsforecast/mlforecast peer that
  is the same model (AutoETS ~ ``ets``, AutoTheta ~ ``theta``, AutoARIMA ~ ``arima``, LightGBM ~ ``lgbm``,
  SeasonalNaive ~ ``seasonal_naive``) and of the engine's served forecast;
* per series: the window WAPE of ours and of every peer.

Run: ``.venv/bin/python bench/diagnose_real_series.py DATASET [--holdout] [--quick] [--peer-cache DIR]
[--holidays US]``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import bench_real_series as suite  # noqa: E402
import holdout_data  # noqa: E402
import peers  # noqa: E402
import real_data  # noqa: E402

SAME_MODEL = {
    "seasonal_naive": "SeasonalNaive",
    "ets": "AutoETS",
    "theta": "AutoTheta",
    "arima": "AutoARIMA",
    "lgbm": "LightGBM",
}


def _wape(frame: pd.DataFrame, column: str) -> float:
    return float((frame[column] - frame["y"]).abs().sum() / frame["y"].abs().sum())


def diagnose(ds: real_data.Dataset, cache: Path | None, holidays: str = "BR") -> None:
    """Print the engine's choices and both verdicts for every window of ``ds`` (``holidays``: country)."""
    from models.training import TrainingConfig, train_level

    frames = [suite._peer_cv(ds, m, 1, cache)[0] for m in peers.PEERS]
    cutoffs = sorted(pd.Timestamp(c) for c in frames[0]["cutoff"].unique())
    merged = suite._actuals(ds, cutoffs)
    for frame in frames:
        frame = frame.assign(ds=pd.to_datetime(frame["ds"]), cutoff=pd.to_datetime(frame["cutoff"]))
        merged = merged.merge(frame, on=peers.KEYS, how="left")
    for cutoff in cutoffs:
        sales, served = suite.to_sales(ds.df[ds.df["ds"] <= cutoff])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trained = train_level(sales, "store", freq=ds.freq, config=TrainingConfig(holidays=holidays))
        window = merged[merged["cutoff"] == cutoff].copy()
        window[suite.ENGINE] = 0.0
        for uid, series_id in served.items():
            point = trained.forecaster.forecast(series_id, ds.h)["forecast"].to_numpy(float)
            window.loc[window["unique_id"] == uid, suite.ENGINE] = point
        for m in [*peers.PEERS, suite.ENGINE]:
            window[m] = window[m].clip(lower=0)
        params = trained.best_params
        assignment = params.get("assignment", {})
        mix = params.get("mix") or {params.get("family"): "all"}
        print(f"\n## {ds.name} cutoff {cutoff.date()}: choice {mix}")
        folds = trained.cv_table[trained.cv_table["fold"] == "all"]
        verdict = []
        for _, row in folds.iterrows():
            peer = SAME_MODEL.get(row["family"])
            held = _wape(window, peer) if peer else float("nan")
            label = row["family"] + ("" if row["params"] in ("{}", "") else " " + row["params"][:60])
            verdict.append((label, row["n_series"], row["wape"], held))
        verdict.append(("ours (served)", len(served), trained.metrics["wape"], _wape(window, suite.ENGINE)))
        print("| engine config | series in CV | folds' WAPE | window WAPE (same model, peer) |")
        print("|---|---|---|---|")
        for label, n, cv, held in verdict:
            if n:
                print(f"| {label} | {n} | {100 * cv:.1f}% | {100 * held:.1f}% |")
        print("\n| series | member | " + " | ".join([*peers.PEERS, suite.ENGINE]) + " |")
        print("|---|---|" + "---|" * (len(peers.PEERS) + 1))
        for uid, series_id in served.items():
            part = window[window["unique_id"] == uid]
            cells = [f"{100 * _wape(part, m):.1f}%" for m in [*peers.PEERS, suite.ENGINE]]
            member = assignment.get(series_id, params.get("family"))
            if isinstance(member, int):  # an index into the per-series rule's members
                cfg = params["members"][member]
                member = cfg["family"] + "".join(f" {cfg[k]}" for k in ("model", "method") if k in cfg)
            print(f"| {uid} | {member} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    """Diagnose one dataset of the main or held-out registry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--holdout", action="store_true", help="held-out registry (holdout_data.py)")
    parser.add_argument("--quick", action="store_true", help="at most 8 series and 2 windows")
    parser.add_argument("--peer-cache", type=Path, default=None, help="reuse/store the peers' CV here")
    parser.add_argument("--holidays", default="BR", help="the engine's holiday country (the suite: BR)")
    args = parser.parse_args(argv)
    specs = holdout_data.SPECS if args.holdout else real_data.SPECS
    limits = {"max_series": 8, "max_windows": 2} if args.quick else {}
    diagnose(real_data.load(args.dataset, specs=specs, **limits), args.peer_cache, args.holidays)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
