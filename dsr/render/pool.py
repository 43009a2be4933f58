"""A warm process pool for rendering long letters in parts.

Started once per process and kept: a fresh pool costs about a second (importing WeasyPrint,
loading fonts, parsing the style sheet) before it renders anything. Workers come from a
forkserver that has already imported the renderer, so a worker starts in milliseconds; forking
the (possibly threaded) host process itself could deadlock on a lock held by another thread.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

__all__ = ["BrokenProcessPool", "pool", "shutdown", "worker_pids"]

_pools: dict[int, ProcessPoolExecutor] = {}
_lock = threading.Lock()


def pool(workers: int | None = None) -> ProcessPoolExecutor:
    """The warm pool of ``workers`` processes (default: one per core)."""
    workers = workers or os.cpu_count() or 1
    with _lock:
        executor = _pools.get(workers)
        if executor is None or getattr(executor, "_broken", False):
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["dsr.render.pdf"])
            executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm)
            _pools[workers] = executor
        return executor


def _warm() -> None:
    # parse the style sheet and load the fonts before the first part arrives
    from dsr.render.pdf import stylesheets

    stylesheets("continuation")


def worker_pids() -> list[int]:
    """Process ids of the pools' workers (the benchmark reads their CPU time and peak memory)."""
    with _lock:
        return [pid for executor in _pools.values() for pid in (getattr(executor, "_processes", None) or {})]


@atexit.register
def shutdown() -> None:
    with _lock:
        for executor in _pools.values():
            executor.shutdown(wait=True, cancel_futures=True)
        _pools.clear()
