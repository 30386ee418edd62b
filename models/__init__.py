"""Forecasting engine: series per level, candidate families, rolling-origin CV, intervals and serving.

Public entry points: ``models.training.train_level``/``rescore``, ``models.forecaster.LevelForecaster``
and ``models.series`` (ids, level series, season lengths, horizons). No Flask or Dash imports here.
"""
