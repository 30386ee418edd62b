"""LightGBM's regressor with a direct booster ``predict``: its own module so that LightGBM is imported
only when a model is built (``models.candidates.mlf.make_regressor``), never when the app starts."""

from __future__ import annotations

import numpy as np
from lightgbm import LGBMRegressor


class FastPredictLGBM(LGBMRegressor):
    """``LGBMRegressor`` whose plain ``predict`` on a NumPy matrix goes straight to the booster.

    Why: a recursive forecast calls ``predict`` once per step on a few hundred rows, and the
    scikit-learn wrapper's parameter handling and input validation cost more than the trees
    (1.3 of 3.6 CPU s of the demo product level's predictions); the booster returns the same values.
    """

    def predict(self, X, **kwargs):
        """Predictions for ``X`` (the booster's own call for a plain NumPy matrix)."""
        if kwargs or not isinstance(X, np.ndarray):
            return super().predict(X, **kwargs)
        return self.booster_.predict(X, num_threads=self._process_n_jobs(self.n_jobs))
