"""Analysis in worker processes, off the crawl's reactor thread.

Scrapy runs downloads, callbacks and item pipelines on one thread; a 150 ms
``Analyzer.analyze`` there stops every download for 150 ms and leaves the
machine's other cores idle. :class:`AnalysisPool` runs ``analyze`` in a
``ProcessPoolExecutor`` whose workers each build their own ``nlp.Analyzer``
once, from the configuration sent as JSON; drafts go to the workers and
analyses come back as JSON (never pickled objects of ours), and each result
arrives on the reactor thread as a Twisted ``Deferred``.

Workers are spawned (not forked: the crawl process has a running reactor,
threads and database connections) and ask the kernel to kill them when the
crawl process dies, so a killed crawl leaves no orphan workers.
"""

from __future__ import annotations

import ctypes
import json
import logging
import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import Any

from twisted.internet.defer import Deferred, gatherResults

from config.schema import Config
from crawlers.records import ArticleDraft
from nlp.records import Analysis, Place, ProvinceMatch, Risk, Signal, TopicScore

logger = logging.getLogger(__name__)

# Linux prctl(2) option: signal this process when its parent dies.
_PR_SET_PDEATHSIG = 1


def default_workers() -> int:
    """Worker processes when the setting is absent: one per core, at most two."""
    return min(2, os.cpu_count() or 1)


# -- JSON between the processes ----------------------------------------------


def draft_from_json(data: dict[str, Any]) -> ArticleDraft:
    """The inverse of ``ArticleDraft.to_json``."""
    values = dict(data)
    for key in ("fetched_at", "published"):
        if values.get(key) is not None:
            values[key] = datetime.fromisoformat(values[key])
    return ArticleDraft(**values)


def analysis_to_json(analysis: Analysis) -> dict[str, Any]:
    """Every field of an :class:`Analysis`, JSON-serialisable (tuples become lists)."""
    return {
        "lang": analysis.lang,
        "province": {
            "relevant": analysis.province.relevant,
            "reason": analysis.province.reason,
            "places": [
                {
                    "name": p.name,
                    "matched": p.matched,
                    "kind": p.kind,
                    "start": p.start,
                    "end": p.end,
                }
                for p in analysis.province.places
            ],
        },
        "topics": [
            {"id": t.id, "score": t.score, "evidence": list(t.evidence)} for t in analysis.topics
        ],
        "risk": {
            "score": analysis.risk.score,
            "model_score": analysis.risk.model_score,
            "flagged": analysis.risk.flagged,
            "signals": [
                {"name": s.name, "weight": s.weight, "evidence": s.evidence}
                for s in analysis.risk.signals
            ],
        },
        "tokens": analysis.tokens,
        "fingerprint": list(analysis.fingerprint),
        "entities": [list(e) for e in analysis.entities],
        "model_version": analysis.model_version,
    }


def analysis_from_json(data: dict[str, Any]) -> Analysis:
    """The inverse of :func:`analysis_to_json` (signal evidence stays plain JSON)."""
    province = data["province"]
    risk = data["risk"]
    return Analysis(
        lang=data["lang"],
        province=ProvinceMatch(
            relevant=province["relevant"],
            reason=province["reason"],
            places=tuple(Place(**p) for p in province["places"]),
        ),
        topics=tuple(
            TopicScore(id=t["id"], score=t["score"], evidence=tuple(t["evidence"]))
            for t in data["topics"]
        ),
        risk=Risk(
            score=risk["score"],
            model_score=risk["model_score"],
            flagged=risk["flagged"],
            signals=tuple(Signal(**s) for s in risk["signals"]),
        ),
        tokens=data["tokens"],
        fingerprint=tuple(data["fingerprint"]),
        entities=tuple((e[0], e[1]) for e in data["entities"]),
        model_version=data["model_version"],
    )


# -- worker side ----------------------------------------------------------------

_analyzer: Any = None


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this worker when the crawl process dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except (OSError, AttributeError):  # not Linux: the executor's own clean-up has to do
        logger.debug("prctl(PR_SET_PDEATHSIG) unavailable")
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _init_worker(config_json: str, parent: int) -> None:
    _die_with_parent(parent)
    # Ctrl-C reaches the whole process group: the crawl process decides what
    # happens (a graceful stop still needs the workers to finish its items).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from nlp import Analyzer  # heavy (models): once per worker

    global _analyzer
    _analyzer = Analyzer(Config.model_validate_json(config_json))


def _ready() -> int:
    return os.getpid()


def _analyze(draft_json: str) -> str:
    draft = draft_from_json(json.loads(draft_json))
    return json.dumps(analysis_to_json(_analyzer.analyze(draft)), ensure_ascii=False)


# -- crawl side -------------------------------------------------------------------


def _as_deferred(future: Future[Any]) -> Deferred[Any]:
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


class AnalysisPool:
    """``workers`` processes running ``nlp.Analyzer.analyze`` for one crawl."""

    def __init__(self, config: Config, workers: int) -> None:
        if workers < 1:
            raise ValueError("an analysis pool needs at least one worker")
        self.workers = workers
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(config.model_dump_json(), os.getpid()),
        )

    def start(self) -> Deferred[Any]:
        """Spawn the workers; fires once they answer (a worker that cannot load fails it)."""
        return gatherResults(
            [_as_deferred(self._executor.submit(_ready)) for _ in range(self.workers)],
            consumeErrors=True,
        )

    def analyze(self, draft: ArticleDraft) -> Deferred[Analysis]:
        """``Analyzer.analyze(draft)`` in a worker; the Deferred fires on the reactor thread."""
        payload = json.dumps(draft.to_json(), ensure_ascii=False)
        deferred = _as_deferred(self._executor.submit(_analyze, payload))
        return deferred.addCallback(lambda text: analysis_from_json(json.loads(text)))

    def pids(self) -> list[int]:
        """The workers' process ids (for tests and diagnostics)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(processes)

    def shutdown(self) -> None:
        """Stop the workers; queued work that has not started is dropped."""
        self._executor.shutdown(wait=True, cancel_futures=True)
