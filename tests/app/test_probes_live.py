"""Issue 16's hostile-user probes against a real gunicorn (2 workers) on a trained demo instance:
every route, callback, export and API answer refuses what it must (``tests.support.probe_suite``)."""

from __future__ import annotations

import pytest

from tests.support.probe_instance import probe_server


@pytest.fixture(scope="module")
def probes():
    """One run of every probe group (about a minute: a tiny training, then ~200 requests)."""
    return probe_server(workers=2)


def test_every_probe_is_refused_or_answered_correctly(probes):
    wrong = [f"[{p.group}] {p.name}: {p.detail}" for p in probes.wrong()]
    assert not wrong, "\n".join(wrong)


def test_every_probe_group_ran(probes):
    """A group that stopped early (or found no callback to try) would pass the test above unseen."""
    counts = {group: tried for group, tried, _ in probes.table()}
    assert counts["manager: admin callbacks"] >= 15  # every admin-tab callback of the page
    assert counts["anonymous: callbacks"] >= 30
    assert counts["malformed callbacks (issue's 14)"] == 14
    assert counts["malformed: later callbacks"] >= 12
    assert counts["store scope (scoped manager)"] >= 20
    assert counts["login throttle"] == 2
