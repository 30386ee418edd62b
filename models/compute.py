"""Where a training's per-series work runs: in this process (joblib) or on an existing Dask cluster.

The engine hands over batches of independent calls (a local family's CV on a chunk of series, a global
model's fold, a refit of one chunk) and reads the results back in order; it never knows which backend
ran them. ``LocalCompute`` is joblib (what training always used); ``DaskCompute`` submits the same
module-level functions to a ``dask.distributed`` cluster (``TRENDSALES_DASK_ADDRESS``), scattering the
large panels once instead of shipping them inside every task. The cluster only computes: the training
process still owns the leader lock, the training slot, the registry and MASTER.

Dask's own scheduler is the task queue (no home-made one); statsforecast's and mlforecast's fugue
backends are not used because the engine fits per-series budgets, fold roll-forwards and per-series
selection on its dense panel, which those backends do not express (docs/OPERATIONS.md › Dask).
"""

from __future__ import annotations

import ctypes
import gc
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from joblib import Parallel, delayed

from models.series import Panel

Call = tuple[Callable[..., Any], tuple[Any, ...]]


class Compute(Protocol):
    """A backend that runs independent calls and yields their results in submission order."""

    workers: int  # parallel slots (joblib jobs, or the cluster's worker threads)
    threads: int  # BLAS/OpenMP threads each call may use

    def run(self, calls: Sequence[Call]) -> Iterator[Any]:
        """Run ``calls`` (function, args) and yield each result in the order given."""
        ...


class LocalCompute:
    """joblib in this process (``n_jobs`` workers; -1 = every core), as training always ran."""

    def __init__(self, n_jobs: int = 1) -> None:
        cores = os.cpu_count() or 1
        self.n_jobs = n_jobs
        self.workers = cores if n_jobs < 0 else max(1, n_jobs)
        self.threads = max(1, cores // self.workers)  # nested threads would contend for the cores

    def run(self, calls: Sequence[Call]) -> Iterator[Any]:
        """Run the calls with joblib (sequentially when ``n_jobs`` is 1) and yield results in order."""
        if not calls:
            return iter(())
        return Parallel(n_jobs=self.n_jobs, return_as="generator")(delayed(fn)(*args) for fn, args in calls)


class DaskCompute:
    """The calls as tasks on a ``dask.distributed`` cluster through ``client``.

    Panels in the arguments are scattered once per batch (a global model's folds share one panel), so
    the scheduler never carries arrays inside task definitions. Results are gathered in order and each
    future is released as soon as its result is read, which bounds what the cluster holds.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.workers = max(1, sum(client.nthreads().values()))
        self.threads = 1  # each worker thread is a slot; BLAS threads inside it would oversubscribe

    def run(self, calls: Sequence[Call]) -> Iterator[Any]:
        """Submit every call, then yield each result in order (a task's error is raised here).

        The batch's distinct panels go to the cluster in one ``scatter`` round trip.
        """
        panels = {id(a): a for _, args in calls for a in args if isinstance(a, Panel)}
        keys = list(panels)
        shipped = self.client.scatter([panels[k] for k in keys], hash=False) if keys else []
        scattered = dict(zip(keys, shipped, strict=True))
        futures = [
            self.client.submit(fn, *(scattered.get(id(a), a) for a in args), pure=False) for fn, args in calls
        ]

        def results() -> Iterator[Any]:
            try:
                for i, future in enumerate(futures):
                    yield future.result()
                    futures[i] = None
            finally:
                self.client.cancel([f for f in futures if f is not None])
                scattered.clear()

        return results()


CONNECT_SECONDS = 10.0  # default wait for the scheduler (setting DASK_CONNECT_SECONDS)


class ClusterUnavailable(RuntimeError):
    """The configured Dask scheduler cannot be reached (training then does not start)."""


def _client(address: str, connect_seconds: float = CONNECT_SECONDS) -> Any:
    from distributed import Client  # imported only when a cluster is configured

    try:
        return Client(address, timeout=connect_seconds, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailable(
            f"cannot reach the Dask scheduler at {address} within {connect_seconds:g} s ({exc}); "
            "start the cluster or unset TRENDSALES_DASK_ADDRESS to train in-process"
        ) from exc


def check_cluster(address: str, connect_seconds: float = CONNECT_SECONDS) -> int:
    """Connect to the scheduler at ``address`` (waiting up to ``connect_seconds``) once and return its
    worker threads.

    Raises ``ClusterUnavailable`` naming the address when it cannot be reached or has no worker (its
    tasks would wait forever), so a run fails before any level trains.
    """
    client = _client(address, connect_seconds)
    try:
        threads = int(sum(client.nthreads().values()))
    finally:
        client.close()
    if threads == 0:
        raise ClusterUnavailable(f"the Dask scheduler at {address} has no worker: start at least one")
    return threads


@contextmanager
def compute_backend(
    n_jobs: int = 1, dask_address: str | None = None, connect_seconds: float = CONNECT_SECONDS
) -> Iterator[Compute]:
    """The backend of one training: a client of the Dask cluster at ``dask_address``, else joblib.

    The client is opened for the block and closed after it; an unreachable scheduler raises
    ``ClusterUnavailable`` at once instead of training somewhere unexpected.
    """
    if not dask_address:
        yield LocalCompute(n_jobs)
        return
    client = _client(dask_address, connect_seconds)
    try:
        yield DaskCompute(client)
    finally:
        client.close()


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
HEAP_MMAP_BYTES = 4 * 2**20  # allocations this large get their own mapping (training processes)


def _libc() -> ctypes.CDLL | None:
    """glibc, or None on a C library without ``malloc_trim``/``mallopt``."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def bound_heap() -> None:
    """Give every allocation of ``HEAP_MMAP_BYTES`` or more its own mapping, unmapped when freed (glibc;
    a no-op elsewhere). Called when a training run starts.

    Why: glibc raises that threshold as large blocks are freed (up to 32 MiB), so a training's many
    short-lived 4–32 MB arrays (a fold's series × horizon, a score's temporaries) land in the heap and
    the freed heap stays in the process: at 100x the demo the product level's scoring took the RSS from
    1.9 to 2.4 GB with less in use (estimated ~1.7 GB). Same numbers either way; only where memory comes from.
    """
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_MMAP_THRESHOLD, HEAP_MMAP_BYTES)


RELEASE_ABOVE_BYTES = 2**30  # below this resident size there is little to give back


def resident_bytes() -> int | None:
    """This process's resident memory (Linux ``/proc/self/statm``), None where it cannot be read."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def release_memory(*, above: int = RELEASE_ABOVE_BYTES) -> bool:
    """Collect garbage and give the C heap's free pages back to the system (glibc's ``malloc_trim``;
    a no-op elsewhere) when the process holds more than ``above`` bytes; True when it did. Called
    between a training run's levels and before a level's scoring and refit.

    Why: a level's fits free their frames, but the allocator keeps most of the freed heap, so the next
    level started from the previous one's high-water mark (at 100x the demo the product level began at
    1.4 GB after the category level's LightGBM fit, with far less in use). Why the threshold: a full
    collection costs ~0.2 s whatever there is to free (measured in a test process: 50 calls, 10.6 s of
    a 22 s test file; ~2 s of the demo's first training), so small processes skip it.
    """
    resident = resident_bytes()
    if resident is not None and resident < above:
        return False
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
    return True
