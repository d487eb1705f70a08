"""Worker processes beside the crawl's reactor: spawned, tied to the crawl's life, JSON in and out.

Scrapy runs downloads, callbacks and item pipelines on one thread; CPU work
there (extracting text, analysing it) stops every download while it runs and
leaves the machine's other cores idle. The pools built here
(``crawlers.extract_pool``, ``pipeline.analysis_pool``) run that work in a
``ProcessPoolExecutor`` instead:

- workers are spawned, not forked: the crawl process has a running reactor,
  threads and database connections;
- each asks the kernel to kill it when the crawl process dies, even by
  SIGKILL, so a killed crawl leaves no orphans, and ignores Ctrl-C (the crawl
  process decides what a Ctrl-C means);
- work goes out and results come back as JSON text (never pickled objects of
  ours), and each result arrives on the reactor thread as a Twisted ``Deferred``.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from twisted.internet.defer import Deferred, gatherResults

logger = logging.getLogger(__name__)

# Linux prctl(2) option: signal this process when its parent dies.
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this worker when the crawl process dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except (OSError, AttributeError):  # not Linux: the executor's own clean-up has to do
        logger.debug("prctl(PR_SET_PDEATHSIG) unavailable")
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def worker_setup(parent: int, nice: int = 0) -> None:
    """First thing in every worker's initializer."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice > 0:
        # Lower priority than the reactor: work that can wait yields the core.
        os.nice(nice)


def spawn_pool(
    workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> ProcessPoolExecutor:
    """``workers`` spawned processes; ``initializer(*initargs)`` must call :func:`worker_setup`."""
    if workers < 1:
        raise ValueError("a worker pool needs at least one worker")
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=initargs,
    )


def as_deferred(future: Future[Any]) -> Deferred[Any]:
    """A Deferred fired on the reactor thread when ``future`` (any thread) is done."""
    from twisted.internet import reactor

    deferred: Deferred[Any] = Deferred()

    def fire(done: Future[Any]) -> None:
        exc = done.exception()
        if exc is not None:
            deferred.errback(exc)
        else:
            deferred.callback(done.result())

    future.add_done_callback(
        lambda done: reactor.callFromThread(fire, done)  # type: ignore[attr-defined]
    )
    return deferred


def _pid() -> int:
    return os.getpid()


def started(executor: ProcessPoolExecutor, workers: int) -> Deferred[Any]:
    """Fires once each of the ``workers`` processes answers (one that cannot start fails it)."""
    return gatherResults(
        [as_deferred(executor.submit(_pid)) for _ in range(workers)], consumeErrors=True
    )


def pids(executor: ProcessPoolExecutor) -> list[int]:
    """The workers' process ids (for tests and diagnostics)."""
    processes = getattr(executor, "_processes", None) or {}
    return sorted(processes)
