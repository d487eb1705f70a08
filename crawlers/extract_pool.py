"""Text extraction in worker processes, off the crawl's reactor thread.

trafilatura takes several milliseconds of CPU per article page, much of it in
Python code that holds the GIL the reactor needs (in a thread it would still
slow the reactor), so
:class:`ExtractionPool` runs :func:`crawlers.extract.extract` in spawned
worker processes (``crawlers.workers``): the page goes out as JSON, the draft
or the reason there is no text comes back as JSON. Workers keep normal
priority: extraction is part of the crawl, unlike analysis.
"""

from __future__ import annotations

import json
import logging
import os
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from twisted.internet.defer import Deferred, fail, succeed

from crawlers.extract import NoTextError, extract
from crawlers.records import ArticleDraft, FetchedPage
from crawlers.workers import as_deferred, pids, spawn_pool, started, worker_setup

logger = logging.getLogger(__name__)


def default_workers() -> int:
    """Extraction processes when the setting is absent: one core is the reactor's, the rest extract."""
    return max(1, min(2, (os.cpu_count() or 1) - 1))


# -- worker side ----------------------------------------------------------------


def _init_worker(parent: int) -> None:
    worker_setup(parent)


def extract_json(page_json: str) -> str:
    """:func:`extract` with JSON both ways: ``{"draft": ...}`` or ``{"no_text": reason}``."""
    page = FetchedPage.from_json(json.loads(page_json))
    try:
        answer: dict[str, Any] = {"draft": extract(page).to_json()}
    except NoTextError as exc:
        answer = {"no_text": str(exc)}
    return json.dumps(answer, ensure_ascii=False)


def _answer(text: str) -> ArticleDraft:
    answer = json.loads(text)
    if "no_text" in answer:
        raise NoTextError(answer["no_text"])
    return ArticleDraft.from_json(answer["draft"])


# -- crawl side -------------------------------------------------------------------


class ExtractionPool:
    """``workers`` processes running :func:`crawlers.extract.extract` for one crawl."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor = spawn_pool(workers, _init_worker, (os.getpid(),))
        self._broken = False

    def start(self) -> Deferred[Any]:
        """Fires once every worker answers."""
        return started(self._executor, self.workers)

    def extract(self, page: FetchedPage) -> Deferred[ArticleDraft]:
        """``extract(page)`` in a worker; fails with :class:`NoTextError` as ``extract`` does.

        Should the pool break (a worker killed), pages are extracted in this process.
        """
        if self._broken:
            return self._here(page)
        payload = json.dumps(page.to_json(), ensure_ascii=False)
        try:
            future = self._executor.submit(extract_json, payload)
        except (BrokenProcessPool, RuntimeError):
            return self._fall_back(page)
        deferred = as_deferred(future)
        deferred.addCallback(_answer)

        def broken(failure: Any) -> Any:
            if failure.check(BrokenProcessPool):
                return self._fall_back(page)
            return failure

        return deferred.addErrback(broken)

    def _fall_back(self, page: FetchedPage) -> Deferred[ArticleDraft]:
        if not self._broken:
            logger.error("extraction workers died; extracting in the crawl process from now on")
            self._broken = True
        return self._here(page)

    def _here(self, page: FetchedPage) -> Deferred[ArticleDraft]:
        try:
            return succeed(extract(page))
        except NoTextError:
            return fail()

    def pids(self) -> list[int]:
        return pids(self._executor)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
