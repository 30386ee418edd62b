"""WSGI entry of the ops tests' gunicorn: the real app with the fast training configuration.

``TRENDSALES_TEST_SLOW_TRAINING=1`` keeps the default (slow) training, for tests that must catch a
training mid-way.
"""

import os

from app import create_app
from tests.ops.sample import FAST_TRAINING

overrides = {} if os.environ.get("TRENDSALES_TEST_SLOW_TRAINING") == "1" else dict(FAST_TRAINING)
app = create_app(overrides)
server = app.server
