"""The one progress-callback signature shared by imports, training and training jobs.

``progress(step, total, label)``: ``step`` of ``total`` units are done and ``label`` says what is
being worked on. Callers may call it often; receivers throttle what they show or store. The label
is the English text, or a ``data.i18n.Message`` (whose ``str()`` is that English text) when the
receiver is to show it in the reader's language (the CLI's progress line does; training labels are
strings that ``models.vocabulary.progress_text`` translates).
"""

from __future__ import annotations

from collections.abc import Callable

from data.i18n import Message

Label = str | Message
Progress = Callable[[int, int, Label], None]
