"""A real ``distributed.LocalCluster`` for the tests: 2 worker processes of 1 thread on loopback.

Worker processes (not threads) so every task and panel really crosses a process boundary, as on a
remote cluster; the cluster is closed when the block ends.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def local_cluster(workers: int = 2) -> Iterator[str]:
    """Start a LocalCluster on 127.0.0.1 and yield its scheduler address (``tcp://127.0.0.1:port``)."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        memory_limit="2GiB",
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def closed_port_address() -> str:
    """A loopback scheduler address nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"
