"""Problems found in a sales file, the error that carries them, and their words in each language.

A ``Problem`` names the file, its 1-based line (header = line 1), the column as written in the file
and a reason. The reason is kept twice: as the English sentence (``reason``: logs, the audit trail,
the stored upload record, which stays English so that support reads one language and old records
need no catalogue) and as a ``data.i18n.Message`` (msgid plus values) that the edge renders in the
reader's language (``text(language)``: the CLI in the configured language, the upload preview in
the request's). A bad file produces at most ``MAX_LISTED`` listed problems plus a count of the rest,
so a million bad rows never become a million-line message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from data.i18n import LANGUAGES, N_, Count, Message, translate, translate_plural

MAX_LISTED = 200

# Where a problem is, by which parts are known (row, column); the reason follows the colon.
_WHERE = {
    (True, True): N_("%(file)s, row %(row)s, column %(column)s: %(reason)s"),
    (True, False): N_("%(file)s, row %(row)s: %(reason)s"),
    (False, True): N_("%(file)s, column %(column)s: %(reason)s"),
    (False, False): N_("%(file)s: %(reason)s"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a sales file; ``row`` is the file line (header = 1), None for file-level.

    ``reason`` is the English sentence (logs, the stored upload record); ``message`` the same sentence
    as a msgid and its values, so that ``text(language)`` and ``reason_text(language)`` can show it
    to a reader in their language. A problem built from plain text (no ``message``) is shown through
    the catalogue as it is.
    """

    file: str
    row: int | None
    column: str | None
    reason: str
    message: Message | None = None

    def reason_text(self, language: str) -> str:
        """The reason alone in ``language`` (the Reason column of the upload preview)."""
        return self.message.text(language) if self.message else translate(language, self.reason)

    def text(self, language: str) -> str:
        """``file, row 3, column 'date': reason`` in ``language`` (CLI output, one line per problem)."""
        where = _WHERE[self.row is not None, self.column is not None]
        values = {"file": self.file, "row": str(self.row), "column": repr(self.column)}
        return translate(language, where, reason=self.reason_text(language), **values)

    def __str__(self) -> str:
        """The English line (logs and the stored rejection message)."""
        return self.text("en")


_ITEM = "  - "  # how each problem is listed in a ``SalesFileError`` message


class SalesFileError(ValueError):
    """A sales file (or batch) was rejected; the message lists every problem (up to ``MAX_LISTED``)."""

    def __init__(self, problems: Sequence[Problem], *, total: int | None = None) -> None:
        self.problems = list(problems)
        self.total = max(total or 0, len(self.problems))
        super().__init__(self._message())

    @property
    def omitted(self) -> int:
        """How many problems were found but not listed (beyond ``MAX_LISTED``)."""
        return self.total - len(self.problems)

    def _message(self) -> str:
        return self.text("en")

    def text(self, language: str) -> str:
        """The whole rejection in ``language``: a headline, then one indented line per listed problem.
        ``str()`` is the English form (stored in ``uploads.error``, read back by ``first_problem``)."""
        count = translate_plural(
            language, "%(num)s problem", "%(num)s problems", self.total, num=_count(self.total, language)
        )
        lines = [
            translate(language, N_("Sales file rejected (%(count)s); nothing was imported."), count=count)
        ]
        lines += [f"{_ITEM}{p.text(language)}" for p in self.problems]
        if self.omitted:
            more = translate(
                language,
                N_("... and %(count)s more problems not listed"),
                count=_count(self.omitted, language),
            )
            lines.append(f"  {more}")
        return "\n".join(lines)


def _count(value: int, language: str) -> str:
    """A problem count: plain digits in the English record (``uploads.error``, parsed back by
    ``first_problem``, as older records are written), the reader's grouping otherwise."""
    return str(value) if language == "en" else Count(value).text(language)


def first_problem(message: str) -> str:
    """One line for a stored rejection message: its first problem (file, row, column, reason) and how
    many more there are; a message that lists no problems (e.g. another file of the batch was bad)
    gives its first line."""
    lines = message.splitlines()
    listed = [line[len(_ITEM) :] for line in lines if line.startswith(_ITEM)]
    if not listed:
        return lines[0] if lines else ""
    found = re.search(r"\((\d+) problems?\)", lines[0])
    more = (int(found.group(1)) if found else len(listed)) - 1
    return f"{listed[0]} (+{more} more problem{'s' if more != 1 else ''})" if more > 0 else listed[0]


def rejection_texts(error: SalesFileError | Message) -> dict[str, dict[str, str]]:
    """What the upload history shows of a rejection, in every language we translate, written when the
    rejection is recorded (``uploads.error_texts``): ``first`` is the history cell (the first problem
    and how many more), ``full`` the whole message (the cell's tooltip). The English ``uploads.error``
    stays the record of truth for logs and support; older uploads without these texts show it."""
    texts = {}
    for language in LANGUAGES:
        if isinstance(error, SalesFileError):
            full = error.text(language)
            first = error.problems[0].text(language) if error.problems else full.splitlines()[0]
            more = error.total - 1
            if error.problems and more > 0:
                count = Count(more).text(language)
                first += " " + translate_plural(
                    language, "(+%(num)s more problem)", "(+%(num)s more problems)", more, num=count
                )
        else:
            full = first = error.text(language)
        texts[language] = {"first": first, "full": full}
    return texts


def merge_errors(errors: Iterable[SalesFileError]) -> SalesFileError:
    """Combine the errors of several files into one (each file's problems stay in order)."""
    errors = list(errors)
    problems = [p for err in errors for p in err.problems]
    return SalesFileError(problems, total=sum(err.total for err in errors))


class ProblemCollector:
    """Accumulates problems from vectorised checks, keeping at most ``limit`` and counting the rest."""

    def __init__(self, file: str, limit: int = MAX_LISTED) -> None:
        self.file = file
        self.limit = limit
        self.problems: list[Problem] = []
        self.total = 0

    def add(self, reason: str | Message, *, row: int | None = None, column: str | None = None) -> None:
        """Record one problem (file-level when ``row`` is None); ``reason`` a ``Message`` to be shown
        in the reader's language, or plain text."""
        self.total += 1
        if len(self.problems) < self.limit:
            msg = reason if isinstance(reason, Message) else None
            self.problems.append(Problem(self.file, row, column, str(reason), msg))

    def add_rows(self, rows: pd.Series, msgids: pd.Series | str, column: str, **values: Any) -> None:
        """Record one problem per entry of ``rows`` (line numbers), building objects only for listed ones.

        ``msgids`` is one msgid (marked with ``N_``) or one per row; each value is a scalar or a Series
        aligned with ``rows`` (a placeholder a row's msgid does not use is ignored).
        """
        count = len(rows)
        if not count:
            return
        self.total += count
        room = self.limit - len(self.problems)
        if room <= 0:
            return
        head_rows = rows.iloc[:room].tolist()
        head_ids = [msgids] * len(head_rows) if isinstance(msgids, str) else list(msgids.iloc[:room])
        columns = {
            name: v.iloc[:room].tolist() if isinstance(v, pd.Series) else [v] * len(head_rows)
            for name, v in values.items()
        }
        for n, (row, msgid) in enumerate(zip(head_rows, head_ids, strict=True)):
            msg = Message(str(msgid), {name: v[n] for name, v in columns.items()})
            self.problems.append(Problem(self.file, int(row), column, str(msg), msg))

    def raise_if_any(self) -> None:
        """Raise ``SalesFileError`` when anything was recorded; problems are sorted by row."""
        if self.total:
            ordered = sorted(self.problems, key=lambda p: p.row or 0)
            raise SalesFileError(ordered, total=self.total)
