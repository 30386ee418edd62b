"""Try a real Trend Sales server as a hostile user would, and count what was refused correctly.

Builds a small trained demo instance (a store named with HTML, an admin, a manager, a manager limited
to one store, her API tokens — valid, expired, revoked — and an events calendar with an event of
another store and an event named with HTML), starts gunicorn on it (the project's gunicorn.conf.py,
``--workers`` workers), runs ``tests.support.probes`` and prints one row per probe group:
``group | tried | refused/answered correctly``, then every probe that went wrong.

    .venv/bin/python bench/probe_security.py [--workers 2] [--markdown] [--verbose]

Exit status 1 when any probe went wrong. ``tests/app/test_probes_live.py`` runs the same probes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.probe_instance import probe_server
from tests.support.probes import Probes


def render(probes: Probes, *, markdown: bool) -> str:
    """The table of probe groups (and the total)."""
    rows = probes.table()
    tried = sum(r[1] for r in rows)
    good = sum(r[2] for r in rows)
    if markdown:
        lines = ["| probe group | tried | refused / answered correctly |", "|---|---|---|"]
        lines += [f"| {g} | {t} | {ok} |" for g, t, ok in rows]
        lines.append(f"| **total** | **{tried}** | **{good}** |")
        return "\n".join(lines)
    width = max(len(r[0]) for r in rows)
    lines = [f"{'probe group':<{width}}  tried  correct"]
    lines += [f"{g:<{width}}  {t:>5}  {ok:>7}" for g, t, ok in rows]
    lines.append(f"{'total':<{width}}  {tried:>5}  {good:>7}")
    return "\n".join(lines)


def main() -> int:
    """Run the probes and print the table; exit 1 when any went wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="list every probe")
    parser.add_argument("--log", type=Path, help="keep a copy of the gunicorn log here")
    args = parser.parse_args()
    started = time.monotonic()
    probes = probe_server(args.workers, args.log)
    print(render(probes, markdown=args.markdown))
    shown = probes.items if args.verbose else probes.wrong()
    for p in shown:
        print(f"{'ok   ' if p.ok else 'WRONG'} [{p.group}] {p.name}: {p.detail}")
    print(f"({time.monotonic() - started:.0f} s, {args.workers} gunicorn workers)")
    return 1 if probes.wrong() else 0


if __name__ == "__main__":
    raise SystemExit(main())
