"""The CLI's one progress line: a bar on stderr, labels in the configured language, one line per phase
in a pipe, rewritten in place on a terminal; results stay on stdout."""

from __future__ import annotations

import io

from app.cli.progress import ProgressLine, bar
from data.i18n import N_, message


class Terminal(io.StringIO):
    """A stream that says it is a terminal (the bar is rewritten in place)."""

    def isatty(self) -> bool:
        return True


def test_the_bar_shows_the_share_done():
    assert bar(0, 4) == "[........................]   0%"
    assert bar(1, 4) == "[######..................]  25%"
    assert bar(4, 4) == "[########################] 100%"
    assert bar(9, 4).endswith("100%") and bar(0, 0).endswith("100%")  # never past full, nothing to do = done


def test_in_a_pipe_one_line_per_phase_in_portuguese():
    stream = io.StringIO()
    progress = ProgressLine("pt_BR", stream)
    progress(1, 10, "store: CV ets fold 1/3")
    progress(2, 10, "store: CV ets fold 2/3")  # same phase: not repeated in a log
    progress(5, 10, "product: CV lgbm fold 1/3")
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert (
        lines[0]
        == "[##......................]  10% loja: validação cruzada de Suavização exponencial, corte 1 de 3"
    )
    assert lines[1].split("% ", 1)[1].startswith("produto:")


def test_on_a_terminal_the_line_is_rewritten_and_ended():
    stream = Terminal()
    progress = ProgressLine("en", stream, min_interval=0)
    progress(1, 2, "store: refit")
    progress(2, 2, message(N_("reading %(file)s"), file="a.csv"))  # a Message label renders itself
    progress.close()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and "reading a.csv" in text
