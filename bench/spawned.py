"""Run one measurement in a fresh spawned interpreter and get its result back.

Why a fresh interpreter: peak RSS (``ru_maxrss``), imported libraries and allocator state are the
process's own, so a measurement in a child is not coloured by what the benchmark did before it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any


def in_spawned_process(target: Callable[..., None], *args: Any) -> Any:
    """Call ``target(*args, send)`` in a spawned process and return what it sends on ``send``.

    ``target`` is a module-level function (spawn pickles it by name) that ends with ``send.send(result)``.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=target, args=(*args, send))
    child.start()
    result = receive.recv()
    child.join()
    return result
