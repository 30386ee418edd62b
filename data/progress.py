"""The one progress-callback signature shared by imports, training and training jobs.

``progress(step, total, label)``: ``step`` of ``total`` units are done and ``label`` says what is
being worked on. Callers may call it often; receivers throttle what they show or store.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], None]
