"""Per-series selection: how much a series' own folds are trusted is chosen by held-out folds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.candidates.combination import combination_of, combine, held_out_combination, ranking_errors
from models.selection import clearly_worse, pays_off, screen_split, select_per_series
from models.series import Panel

WEIGHTS = np.ones(1)


def _case(errors: np.ndarray) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    """Fold actuals (10, one step) and predictions 10 + error; ``errors``: configs x folds x series."""
    n_configs, n_folds, n_series = errors.shape
    actual = [np.full((n_series, 1), 10.0) for _ in range(n_folds)]
    preds = [[10.0 + errors[c, k][:, None] for k in range(n_folds)] for c in range(n_configs)]
    return actual, preds


def test_noisy_folds_keep_every_series_on_the_level_choice() -> None:
    """A is truly 5% better than B on every series; each series' folds are noisy. No series leaves A."""
    rng = np.random.default_rng(0)
    n = 200
    true = np.array([1.5, 1.0, 1.05])[:, None, None]  # seasonal naive, A, B
    errors = np.abs(true + rng.normal(0, 0.3, size=(3, 3, n)))
    actual, preds = _case(errors)
    own, _ = select_per_series(actual, preds, WEIGHTS, shrink=0.0)
    assert (own == 2).sum() > 40  # trusting each series' own folds picks B on many series
    choice, best = select_per_series(actual, preds, WEIGHTS)
    assert best == 1
    assert (choice == 1).all()


def test_series_that_really_differ_keep_their_own_choice() -> None:
    """Half the series are served far better by A, half by B, consistently over folds."""
    rng = np.random.default_rng(1)
    n = 200
    a_better = np.arange(n) < n // 2
    true = np.stack([np.full(n, 3.0), np.where(a_better, 1.0, 2.0), np.where(a_better, 2.0, 1.0)])
    errors = np.abs(true[:, None, :] + rng.normal(0, 0.1, size=(3, 3, n)))
    actual, preds = _case(errors)
    choice, _ = select_per_series(actual, preds, WEIGHTS)
    assert (choice[a_better] == 1).all() and (choice[~a_better] == 2).all()


def _taking_turns(n: int) -> tuple:
    """``n`` series where A and B take turns being best over three folds (errors 1.0/1.4/1.2 and
    1.4/1.0/1.2), a constant 2.0 at 0 and a combination at 1.25 on every fold (configuration 3)."""
    a = np.array([1.0, 1.4, 1.2])
    b = np.array([1.4, 1.0, 1.2])
    combo = np.array([1.25, 1.25, 1.25])
    errors = np.stack([np.full(3, 2.0), a, b, combo])[:, :, None].repeat(n, axis=2)
    return _case(errors)


def test_combination_serves_when_the_winner_changes_from_fold_to_fold() -> None:
    """A and B take turns being best, so choosing on two folds misses on the third; the combination is
    worse than A over all folds, but better on held-out folds than the rule that picks: it serves."""
    n = 30
    actual, preds = _taking_turns(n)
    choice, best = select_per_series(actual, preds, WEIGHTS, combination=3)
    assert best == 3 and (choice == 3).all()
    choice, _ = select_per_series(actual, preds, WEIGHTS)  # without the combination rule: A (fewest errors)
    assert (choice == 1).all()


def test_the_combination_is_judged_on_members_chosen_without_the_held_out_fold() -> None:
    """Same turns as above; the combination's held-out paths decide: worse than the picking rule on
    held-out folds (1.5 vs ~1.33), it does not serve; as good as before (1.25), it does."""
    n = 30
    actual, preds = _taking_turns(n)
    worse = [10.0 + np.full((n, 1), 1.5) for _ in range(3)]
    choice, best = select_per_series(actual, preds, WEIGHTS, combination=3, combination_held_out=worse)
    assert best != 3 and not (choice == 3).any()
    same = [10.0 + np.full((n, 1), 1.25) for _ in range(3)]
    choice, best = select_per_series(actual, preds, WEIGHTS, combination=3, combination_held_out=same)
    assert best == 3 and (choice == 3).all()


def test_held_out_combination_ranks_members_on_the_other_folds() -> None:
    """Four families; D is the worst on folds 1-2 but the best on fold 0, so fold 0's members are the top
    three of folds 1-2 (A, B, C) while the later folds' members include D."""
    fams = [{"family": f} for f in ("ets", "theta", "arima", "lgbm")]
    err = np.array(
        [[1.0, 1.0, 1.0], [1.1, 1.1, 1.1], [1.2, 1.2, 1.2], [0.1, 5.0, 0.1]]  # A, B, C, D (fold 0-2)
    )
    n = 5
    actual = [np.full((n, 2), 10.0) for _ in range(3)]
    preds = [[10.0 + np.full((n, 2), err[c, k]) for k in range(3)] for c in range(4)]
    out = held_out_combination(fams, preds, actual)
    median = {"method": "median"}
    np.testing.assert_allclose(out[0], combine([preds[0][0], preds[1][0], preds[2][0]], median))
    np.testing.assert_allclose(out[1], combine([preds[3][1], preds[0][1], preds[1][1]], median))
    assert held_out_combination(fams, [p[:1] for p in preds], actual[:1]) is None  # one fold: none


def _total_and_stores() -> tuple[list[dict], list[list[np.ndarray]], list[np.ndarray]]:
    """A store level: an all-stores total (volume 1000) and 8 stores (volume 10 each), 3 folds, one step.

    On the total AutoETS, AutoARIMA and LightGBM err by 1%, 2% and 3% and AutoTheta by 10% (it
    extrapolates a jump); on every store the first three err by 20% and AutoTheta by 1%.
    """
    fams = [{"family": f} for f in ("ets", "arima", "lgbm", "theta")]
    level = np.array([1000.0] + [10.0] * 8)[:, None]
    rel = np.array([[0.01] + [0.2] * 8, [0.02] + [0.2] * 8, [0.03] + [0.2] * 8, [0.10] + [0.01] * 8])
    actual = [level.copy() for _ in range(3)]
    preds = [[level * (1 + rel[c][:, None]) for _ in range(3)] for c in range(4)]
    return fams, preds, actual


def test_combination_ranks_members_with_every_series_weighted_by_root_volume() -> None:
    """Pooled WAPE would rank AutoTheta last (the total is 93% of the volume) though it is the best
    model of all 8 stores; weighted by the square root of volume, the stores count and it ranks first."""
    fams, preds, actual = _total_and_stores()
    errors = ranking_errors(preds, actual, [0, 1, 2])
    assert int(np.argmin(errors)) == 3  # AutoTheta
    combo = combination_of(fams, [{"wape": float(e)} for e in errors])
    assert [m["family"] for m in combo["members"]] == ["theta", "ets", "arima"]
    pooled = [
        sum(np.abs(p - a).sum() for p, a in zip(c, actual, strict=True)) / sum(a.sum() for a in actual)
        for c in preds
    ]
    assert int(np.argmax(pooled)) == 3  # what pooled WAPE would have ranked last
    # the held-out combination ranks the same way on the other folds
    held = held_out_combination(fams, preds, actual)
    np.testing.assert_allclose(held[0], combine([preds[3][0], preds[0][0], preds[1][0]], combo))


def test_three_members_combine_by_their_mean_unless_one_diverges_on_the_series() -> None:
    """Series 0: the members agree within 25% of the median's size, so the series gets their mean.
    Series 1: one member runs away (a refit that broke), so the series gets their median instead."""
    steps = 4
    agree = [np.full(steps, 100.0), np.full(steps, 110.0), np.full(steps, 130.0)]
    broken = [np.full(steps, 100.0), np.full(steps, 104.0), np.full(steps, 400.0)]
    parts = [np.vstack([a, b]) for a, b in zip(agree, broken, strict=True)]
    combo = combination_of(
        [{"family": f} for f in ("ets", "theta", "arima")], [{"wape": w} for w in (1, 2, 3)]
    )
    assert combo["method"] == "guarded_mean"
    out = combine(parts, combo)
    np.testing.assert_allclose(out[0], np.full(steps, 340.0 / 3))  # the mean (the median would be 110)
    np.testing.assert_allclose(out[1], np.full(steps, 104.0))  # the median (the mean would be 201.3)
    # a member exactly at the threshold still counts as agreeing; a missing cell stays missing
    edge = [np.full((1, 2), 100.0), np.full((1, 2), 100.0), np.full((1, 2), 125.0)]
    np.testing.assert_allclose(combine(edge, combo), np.full((1, 2), 325.0 / 3))
    gap = [p.copy() for p in parts]
    gap[0][0, 1] = np.nan
    assert np.isnan(combine(gap, combo)[0, 1]) and np.isfinite(combine(gap, combo)[1]).all()


def test_a_saved_median_or_mean_combination_combines_as_it_did() -> None:
    """Models saved before the guarded mean carry ``method`` "median" (three members) or "mean" (two)."""
    parts = [np.array([[1.0, 2.0]]), np.array([[2.0, 4.0]]), np.array([[9.0, 9.0]])]
    np.testing.assert_allclose(combine(parts, {"method": "median"}), [[2.0, 4.0]])
    np.testing.assert_allclose(combine(parts, {"method": "mean"}), [[4.0, 5.0]])
    pair = combination_of([{"family": "ets"}, {"family": "theta"}], [{"wape": 1.0}, {"wape": 2.0}])
    assert pair["method"] == "mean"


def test_ranking_errors_skip_cells_a_configuration_did_not_forecast() -> None:
    """A configuration with no forecast on one series is ranked on the cells it forecast (as pooled
    WAPE did), not dropped as NaN."""
    _, preds, actual = _total_and_stores()
    preds[0] = [p.copy() for p in preds[0]]
    preds[0][1][4] = np.nan  # AutoETS missed store 4 in fold 1
    errors = ranking_errors(preds, actual, [0, 1, 2])
    assert np.isfinite(errors).all()
    assert 0.01 < errors[0] < 0.2  # between its error on the total and on every store


def test_seasonal_naive_serves_a_series_where_it_is_clearly_best() -> None:
    """The floor: a series whose every fold says seasonal naive is far better gets seasonal naive."""
    n = 50
    errors = np.stack([np.full((3, n), 2.0), np.full((3, n), 1.0)])
    errors[0, :, 7], errors[1, :, 7] = 0.2, 3.0
    actual, preds = _case(errors)
    choice, best = select_per_series(actual, preds, WEIGHTS)
    assert best == 1 and choice[7] == 0 and (np.delete(choice, 7) == 1).all()


def _panel(n: int) -> Panel:
    """n daily series whose recent volume falls with their index (series 0 is the largest)."""
    dates = pd.date_range("2024-01-01", periods=120, freq="D")
    values = np.outer(np.arange(n, 0, -1), np.ones(len(dates))).astype(float)
    return Panel(tuple(f"s{i}" for i in range(n)), dates, values, "D", "D")


def test_screening_samples_the_largest_series_of_expensive_local_families() -> None:
    panel = _panel(60)
    configs = [{"family": "seasonal_naive"}, {"family": "ets"}, {"family": "intermittent", "model": "TSB"}]
    scopes = {1: np.arange(60), 2: np.arange(10)}
    first, rest = screen_split(panel, configs, scopes)
    assert list(first[1]) == list(range(12))  # 20% of 60, the largest first
    assert list(rest[1]) == list(range(12, 60))
    assert list(first[2]) == list(range(10)) and 2 not in rest  # cheap families are not screened
    small, none_left = screen_split(_panel(8), configs, {1: np.arange(8)})
    assert list(small[1]) == list(range(8)) and not none_left


def test_screening_skips_scopes_where_it_would_save_less_than_half_the_fits() -> None:
    """A family on 9-16 series runs on all of them (a sample of 8 would leave fewer rows than it fits),
    so it covers every series of a small level; from 17 series the largest 8 are sampled first. The
    early-stop split of a sample (``whole=False``) still takes its 8 largest series."""
    configs = [{"family": "seasonal_naive"}, {"family": "ets"}]
    for n in (9, 16):
        first, rest = screen_split(_panel(n), configs, {1: np.arange(n)})
        assert list(first[1]) == list(range(n)) and not rest
    first, rest = screen_split(_panel(17), configs, {1: np.arange(17)})
    assert list(first[1]) == list(range(8)) and list(rest[1]) == list(range(8, 17))
    head, tail = screen_split(_panel(12), configs, {1: np.arange(12)}, whole=False)
    assert list(head[1]) == list(range(8)) and list(tail[1]) == list(range(8, 12))


def test_a_screened_family_extends_only_when_close_to_the_best_full_model() -> None:
    n = 20
    sample = np.arange(n) < 4
    full_err = np.full((3, n), 1.0)
    close = np.where(sample, 1.01, np.nan)[None, :].repeat(3, axis=0)
    far = np.where(sample, 1.3, np.nan)[None, :].repeat(3, axis=0)
    actual, preds = _case(np.stack([full_err + 1.0, full_err, close, far]))
    assert pays_off(actual, preds, WEIGHTS, 2, [0, 1])
    assert not pays_off(actual, preds, WEIGHTS, 3, [0, 1])


def test_the_level_choice_pools_every_series_not_only_the_largest() -> None:
    """20 small series are served 10x better by A, one series twice as large as all of them together by B.

    By pooled WAPE the large series alone would make B the level's choice; weighed by the square root
    of their volume, the small series' evidence makes A the level's choice (the anchor every series is
    shrunk toward), while the large series, consistent over its folds, keeps B.
    """
    n_small, folds = 20, 3
    level = np.r_[np.full(n_small, 10.0), 400.0]
    actual = [level[:, None].copy() for _ in range(folds)]
    a_err = np.r_[np.full(n_small, 0.01), 0.10] * level  # A: 1% on the small series, 10% on the large
    b_err = np.r_[np.full(n_small, 0.10), 0.01] * level
    naive = 0.3 * level
    preds = [[(level + e)[:, None] for _ in range(folds)] for e in (naive, a_err, b_err)]
    pooled_a = a_err.sum()
    assert pooled_a > b_err.sum()  # volume-weighted, B would be the level's best
    choice, best = select_per_series(actual, preds, WEIGHTS)
    assert best == 1
    assert (choice[:n_small] == 1).all() and choice[-1] == 2


def test_the_level_falls_back_to_seasonal_naive_only_when_it_is_clearly_better() -> None:
    """The selection is 3% worse than seasonal naive over 3 folds x 6 series, but the cells go both ways
    (within one standard error): it keeps serving. Worse by the same 3% on every cell: seasonal naive.
    One cell only: any excess counts."""
    n, folds = 6, 3
    actual = [np.full((n, 4), 100.0) for _ in range(folds)]
    naive = [a + 10.0 for a in actual]
    swing = np.array([[8.0, 14.0, 7.0, 13.0, 9.0, 10.5]] * folds)  # mean 10.25 per step vs 10.0
    noisy = [a + swing[k][:, None] for k, a in enumerate(actual)]
    assert not clearly_worse(actual, noisy, naive)
    steady = [a + 10.3 for a in actual]
    assert clearly_worse(actual, steady, naive)
    assert not clearly_worse(actual, naive, steady)
    one = [np.array([[100.0]])]
    assert clearly_worse(one, [np.array([[110.5]])], [np.array([[110.0]])])


def test_training_ranks_the_combination_members_over_every_series() -> None:
    """Training's combination candidate (``_score_all``) ranks its members as ``ranking_errors`` does:
    on a store level whose all-stores total errs for AutoTheta while every store favours it, AutoTheta is
    a member; by pooled WAPE (the total alone, nearly) LightGBM would have taken its place."""
    from models.evaluation import make_folds
    from models.training import _score_all

    n_dates, horizon = 40, 4
    dates = pd.date_range("2024-01-07", periods=n_dates, freq="W-SUN")
    level = np.array([1000.0] + [10.0] * 8)
    values = np.repeat(level[:, None], n_dates, axis=1)
    ids = ("store=*", *(f"store=S{i}" for i in range(8)))
    panel = Panel(ids, dates, values, "W", "W-SUN")
    folds = make_folds(dates, "W", horizon, 3, 10)
    positions = folds.positions(dates)
    rel = {  # relative error on the total, then on each store
        "seasonal_naive": (0.05, 0.5),
        "ets": (0.01, 0.2),
        "arima": (0.02, 0.2),
        "lgbm": (0.03, 0.2),
        "theta": (0.10, 0.01),
    }
    configs = [{"family": f} for f in rel]
    preds = []
    for total_err, store_err in rel.values():
        err = np.array([total_err] + [store_err] * 8)[:, None]
        preds.append([np.repeat(level[:, None] * (1 + err), horizon, axis=1) for _ in positions])
    _score_all(panel, configs, preds, folds, positions)
    combo = configs[-1]
    assert combo["family"] == "combination"
    assert [m["family"] for m in combo["members"]] == ["theta", "ets", "arima"]
