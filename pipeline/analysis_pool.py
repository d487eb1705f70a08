"""Analysis in worker processes, off the crawl's reactor thread.

``nlp.Analyzer.analyze`` takes tens of milliseconds per article; on the reactor
thread it would stop every download meanwhile. :class:`AnalysisPool` runs it in
spawned worker processes (``crawlers.workers``: JSON in and out, they die with
the crawl) that each build their own ``nlp.Analyzer`` once, from the
configuration sent as JSON. Two kinds of work:

- :meth:`AnalysisPool.analyze`: one draft in, its analysis back (the crawl
  stores it), for sources that keep only province-relevant items;
- :meth:`AnalysisPool.analyse_stored`: ids of pending articles in; the worker
  reads them, analyses them and stores the results itself
  (``pipeline.pending``), and only the counts come back. This is how the crawl
  catches up on what it stored without analysis.

Workers run at a lower priority (``nice``) than the crawl: analysis can wait,
downloads and storage should not.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from twisted.internet.defer import Deferred

from config.schema import Config
from crawlers.records import ArticleDraft
from crawlers.workers import as_deferred, pids, spawn_pool, started, worker_setup
from nlp.records import Analysis, Place, ProvinceMatch, Risk, Signal, TopicScore
from pipeline.pending import PendingTally

logger = logging.getLogger(__name__)

# Niceness of the workers during a crawl (0-19; higher yields more).
DEFAULT_NICE = 10


def default_workers() -> int:
    """Worker processes when the setting is absent: one per core, at most two."""
    return min(2, os.cpu_count() or 1)


# -- JSON between the processes ----------------------------------------------


def draft_from_json(data: dict[str, Any]) -> ArticleDraft:
    """The inverse of ``ArticleDraft.to_json``."""
    return ArticleDraft.from_json(data)


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
        "fingerprint": None if analysis.fingerprint is None else list(analysis.fingerprint),
        "entities": [list(e) for e in analysis.entities],
        "model_version": analysis.model_version,
        "foreign_parties": list(analysis.foreign_parties),
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
        fingerprint=None if data["fingerprint"] is None else tuple(data["fingerprint"]),
        entities=tuple((e[0], e[1]) for e in data["entities"]),
        model_version=data["model_version"],
        foreign_parties=tuple(data.get("foreign_parties", ())),
    )


# -- worker side ----------------------------------------------------------------

_analyzer: Any = None
_config: Config | None = None
_sessions: Any = None


def _init_worker(config_json: str, parent: int, database_url: str | None, nice: int) -> None:
    worker_setup(parent, nice)
    from nlp import Analyzer  # heavy (models): once per worker

    global _analyzer, _config, _sessions
    _config = Config.model_validate_json(config_json)
    _analyzer = Analyzer(_config)
    if database_url:
        from storage.db import make_engine, session_factory

        _sessions = session_factory(make_engine(database_url))


def _analyze(draft_json: str) -> str:
    draft = draft_from_json(json.loads(draft_json))
    return json.dumps(analysis_to_json(_analyzer.analyze(draft)), ensure_ascii=False)


def _analyse_stored(ids_json: str) -> str:
    from pipeline.pending import analyse_stored

    if _sessions is None or _config is None:
        raise RuntimeError("this analysis pool has no database")
    tally = analyse_stored(_sessions, _analyzer.analyze, json.loads(ids_json), config=_config)
    return json.dumps(tally.to_json())


# -- crawl side -------------------------------------------------------------------


class AnalysisPool:
    """``workers`` processes running ``nlp.Analyzer.analyze`` for one crawl.

    ``database_url`` lets the workers analyse stored articles and write the results
    (:meth:`analyse_stored`); ``nice`` lowers their priority.
    """

    def __init__(
        self, config: Config, workers: int, *, database_url: str | None = None, nice: int = 0
    ) -> None:
        if workers < 1:
            raise ValueError("an analysis pool needs at least one worker")
        self.workers = workers
        self._executor = spawn_pool(
            workers, _init_worker, (config.model_dump_json(), os.getpid(), database_url, nice)
        )

    def start(self) -> Deferred[Any]:
        """Fires once every worker has loaded its models (one that cannot load fails it)."""
        return started(self._executor, self.workers)

    def analyze(self, draft: ArticleDraft) -> Deferred[Analysis]:
        """``Analyzer.analyze(draft)`` in a worker; the Deferred fires on the reactor thread."""
        payload = json.dumps(draft.to_json(), ensure_ascii=False)
        deferred = as_deferred(self._executor.submit(_analyze, payload))
        return deferred.addCallback(lambda text: analysis_from_json(json.loads(text)))

    def analyse_stored(self, article_ids: list[int]) -> Deferred[PendingTally]:
        """Analyse these pending articles in a worker, which stores the results itself."""
        deferred = as_deferred(self._executor.submit(_analyse_stored, json.dumps(article_ids)))
        return deferred.addCallback(lambda text: PendingTally.from_json(json.loads(text)))

    def pids(self) -> list[int]:
        """The workers' process ids (for tests and diagnostics)."""
        return pids(self._executor)

    def full_priority(self) -> None:
        """Give the workers back normal priority (the crawl has stopped competing with them).

        Lowering a niceness needs the right to (CAP_SYS_NICE, or RLIMIT_NICE); without
        it the workers stay as they are, which only matters when other work shares the machine.
        """
        for pid in self.pids():
            try:
                os.setpriority(os.PRIO_PROCESS, pid, 0)
            except (PermissionError, ProcessLookupError) as exc:
                logger.debug("analysis worker %s keeps its low priority: %s", pid, exc)

    def shutdown(self) -> None:
        """Stop the workers; queued work that has not started is dropped."""
        self._executor.shutdown(wait=True, cancel_futures=True)
