"""The one progress line of long CLI work (``init``, ``train``, ``data import``).

On a terminal a bar is rewritten in place on stderr (at most every 0.2 s, and always at the end); in
a pipe or a log, where a rewritten line is noise, one line is printed per phase (when the level or
the step's kind changes). Labels are the pipeline's English labels (``"store: CV ets fold 2/3"``),
shown in the configured language (``models.vocabulary.progress_text``); a label that is a
``data.i18n.Message`` is rendered by its own ``text``. Results go to stdout, progress to stderr, so
``flask --app wsgi train > report.txt`` keeps the report clean.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from models.vocabulary import progress_text

BAR_WIDTH = 24


class ProgressLine:
    """A ``Progress`` callback (``progress(step, total, label)``) that draws one line on ``stream``."""

    def __init__(self, language: str, stream: TextIO | None = None, min_interval: float = 0.2) -> None:
        self._language = language
        self._stream = stream or sys.stderr
        self._interactive = bool(getattr(self._stream, "isatty", lambda: False)())
        self._min_interval = min_interval
        self._last_time = 0.0
        self._last_phase: list[str] | None = None
        self._width = 0

    def __call__(self, step: int, total: int, label: Any) -> None:
        """Show ``[#####.......]  42% label``; in a pipe only when the phase changes."""
        english = str(label)
        text = f"{bar(step, total)} {self.label_text(label)}"
        if self._interactive:
            now = time.monotonic()
            if now - self._last_time < self._min_interval and step < total:
                return
            self._last_time = now
            pad = max(0, self._width - len(text))
            self._stream.write("\r" + text + " " * pad)
            self._stream.flush()
            self._width = len(text)
            return
        phase = english.split(" ", 2)[:2]
        if phase != self._last_phase:
            self._last_phase = phase
            self._stream.write(text + "\n")
            self._stream.flush()

    def label_text(self, label: Any) -> str:
        """``label`` in the line's language."""
        if hasattr(label, "text") and callable(label.text):
            return str(label.text(self._language))
        return progress_text(str(label), self._language)

    def close(self) -> None:
        """End the line so what follows starts on a fresh one."""
        if self._interactive and self._width:
            self._stream.write("\n")
            self._stream.flush()
            self._width = 0


def bar(step: int, total: int) -> str:
    """``[#####.......]  42%``: how much of ``total`` is done (a full bar when ``total`` is 0)."""
    fraction = min(max(step / total, 0.0), 1.0) if total else 1.0
    done = round(BAR_WIDTH * fraction)
    return f"[{'#' * done}{'.' * (BAR_WIDTH - done)}] {100 * fraction:3.0f}%"
