"""Crawl benchmark (issue 3): our full crawl against ``scrapy bench``, same machine, same run.

1. Start the local mirror (``bench/mirror.py``): 20 hosts on loopback addresses,
   100 article pages each, an RSS feed per host.
2. Crawl it once with ``pipeline.crawl.crawl_once`` into a temporary SQLite
   database, politeness delays set to zero: fetch, decode, extract
   (trafilatura), analyse (nlp), store — the real path, item pipeline included.
   Light timers around each stage say where the time goes.
3. Run ``scrapy bench`` (Scrapy's own server and link-following spider, no
   processing) and print both rates and their ratio. Target: >= 0.5.

    .venv/bin/python bench/crawl.py [--hosts 20] [--per-host 100] [--bench-seconds 10] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# Zero politeness: no delay, no AutoThrottle, several requests per host at once.
OVERRIDES: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "RANDOMIZE_DOWNLOAD_DELAY": False,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "LOG_LEVEL": "ERROR",
}


class StageTimer:
    """Wall time spent inside wrapped functions of the crawl process, by stage (one reactor
    thread: no overlap). Analysis in worker processes is counted apart, as CPU time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, name: str, stage: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - start
                self.calls[stage] += 1

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()


@contextmanager
def mirror(hosts: int, per_host: int) -> Iterator[list[str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "bench" / "mirror.py"),
            "--hosts",
            str(hosts),
            "--per-host",
            str(per_host),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the mirror server did not start")
        yield list(json.loads(line)["hosts"])
    finally:
        process.terminate()
        process.wait(timeout=10)


def bench_config(bases: list[str]) -> Any:
    from config import load_config
    from config.schema import Source, SourceKind, SourceType

    config = load_config()
    sources = [
        Source(
            id=f"mirror_{i:02d}",
            name=f"Mirror {i}",
            type=SourceType.RSS,
            url=f"{base}/rss.xml",
            kind=SourceKind.NATIONAL_PRESS,
            lang="vi",
            tier=2,
        )
        for i, base in enumerate(bases)
    ]
    return config.model_copy(update={"sources": sources})


def stub_analysis() -> Callable[[], None]:
    """Replace the analyser by a constant result: what the crawl costs when analysis
    runs outside the crawl path (a separate worker or batch)."""
    from nlp.analyze import Analyzer
    from nlp.records import Analysis, ProvinceMatch

    original = Analyzer.analyze
    constant = Analysis(lang="vi", province=ProvinceMatch(relevant=False), topics=())

    def analyze(self: Any, doc: Any) -> Analysis:
        del self, doc
        return constant

    Analyzer.analyze = analyze  # type: ignore[method-assign]

    def undo() -> None:
        Analyzer.analyze = original  # type: ignore[method-assign]

    return undo


def instrument() -> StageTimer:
    from sqlalchemy.orm import Session

    import crawlers.spiders as spiders
    import pipeline.crawl as crawl
    import pipeline.scrapy_ingest as scrapy_ingest
    from nlp.analyze import Analyzer
    from pipeline.analysis_pool import AnalysisPool

    timer = StageTimer()
    timer.wrap(spiders, "decode_html", "decode")
    timer.wrap(spiders, "parse_feed", "feeds")
    timer.wrap(spiders, "extract", "extraction")
    timer.wrap(Analyzer, "__init__", "startup (models)")
    timer.wrap(Analyzer, "analyze", "analysis")
    timer.wrap(scrapy_ingest, "ingest", "storage")
    timer.wrap(Session, "commit", "storage (commit)")
    timer.wrap(crawl, "is_known", "storage (known-URL lookups)")
    original_start = AnalysisPool.start

    def start(self: AnalysisPool) -> Any:
        # The workers load their models while the reactor waits: time until they answer.
        began = time.perf_counter()

        def ready(result: Any) -> Any:
            timer.seconds["startup (models)"] += time.perf_counter() - began
            timer.calls["startup (models)"] += 1
            return result

        return original_start(self).addCallback(ready)

    AnalysisPool.start = start  # type: ignore[method-assign]
    timer._undo.append(lambda: setattr(AnalysisPool, "start", original_start))
    return timer


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_crawl(
    hosts: int, per_host: int, *, skip_analysis: bool = False, workers: int | None = None
) -> dict[str, Any]:
    from pipeline.crawl import crawl_once
    from storage.db import make_engine, session_factory
    from storage.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp, mirror(hosts, per_host) as bases:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        config = bench_config(bases)
        undo_stub = stub_analysis() if skip_analysis else None
        overrides = dict(OVERRIDES)
        if skip_analysis:
            workers = 0  # the stub replaces the analyser in this process only
        if workers is not None:
            overrides["ANALYSIS_WORKERS"] = workers
        timer = instrument()
        cpu_before = children_cpu_seconds()
        start = time.perf_counter()
        try:
            summary = crawl_once(
                config, session_factory(engine), settings_overrides=overrides, trigger="bench"
            )
        finally:
            timer.restore()
            if undo_stub is not None:
                undo_stub()
        wall = time.perf_counter() - start
        # The pool's workers are joined when the crawl closes; the mirror still runs.
        worker_cpu = children_cpu_seconds() - cpu_before
        engine.dispose()
    totals = summary.totals
    articles = totals.new + totals.updated + totals.unchanged
    startup = timer.seconds.get("startup (models)", 0.0)
    return {
        "analysis": "without" if skip_analysis else "with",
        "workers": "default" if workers is None else workers,
        "worker_cpu_seconds": worker_cpu,
        "articles": articles,
        "outcomes": totals.outcomes,
        "errors": totals.errors,
        "wall_seconds": wall,
        "startup_seconds": startup,
        "pages_per_second": articles / wall,
        "pages_per_second_after_startup": articles / max(wall - startup, 1e-9),
        "stages": dict(timer.seconds),
        "calls": dict(timer.calls),
    }


def run_scrapy_bench(seconds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:  # outside any Scrapy project
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "bench",
                "-s",
                f"CLOSESPIDER_TIMEOUT={seconds}",
                "-s",
                "LOG_LEVEL=INFO",
            ],
            cwd=tmp,
            env={k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"},
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
    log = done.stdout + done.stderr
    count = re.search(r"'downloader/response_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if not (count and elapsed):
        raise RuntimeError("could not read scrapy bench's stats:\n" + log[-2000:])
    pages, secs = int(count.group(1)), float(elapsed.group(1))
    return {"pages": pages, "seconds": secs, "pages_per_second": pages / secs}


def report(crawl: dict[str, Any], bench: dict[str, float]) -> str:
    lines = [
        f"our crawl ({crawl['analysis']} nlp analysis, analysis workers: {crawl['workers']}): "
        f"{crawl['articles']} articles in {crawl['wall_seconds']:.1f} s = "
        f"{crawl['pages_per_second']:.1f} pages/s "
        f"({crawl['pages_per_second_after_startup']:.1f} pages/s after {crawl['startup_seconds']:.1f} s of model loading); "
        f"errors {crawl['errors']}, outcomes {crawl['outcomes']}",
        f"scrapy bench: {bench['pages']} pages in {bench['seconds']:.1f} s = {bench['pages_per_second']:.1f} pages/s",
        f"ratio     : {crawl['pages_per_second'] / bench['pages_per_second']:.2f} "
        f"({crawl['pages_per_second_after_startup'] / bench['pages_per_second']:.2f} after startup); target >= 0.5",
        "where the time goes (wall seconds, share of the crawl):",
    ]
    stages = dict(crawl["stages"])
    accounted = sum(stages.values())
    stages["scrapy, twisted, http, rest"] = max(crawl["wall_seconds"] - accounted, 0.0)
    for stage, secs in sorted(stages.items(), key=lambda kv: -kv[1]):
        calls = crawl["calls"].get(stage)
        per = f", {1000 * secs / calls:.1f} ms/call x {calls}" if calls else ""
        lines.append(
            f"  {stage:32s} {secs:7.1f} s  {100 * secs / crawl['wall_seconds']:5.1f} %{per}"
        )
    if crawl["worker_cpu_seconds"] > 0:
        lines.append(
            f"  analysis worker processes: {crawl['worker_cpu_seconds']:.1f} CPU seconds "
            f"({1000 * crawl['worker_cpu_seconds'] / max(crawl['articles'], 1):.1f} ms/article, "
            "model loading included), alongside the crawl"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--per-host", type=int, default=100)
    parser.add_argument("--bench-seconds", type=int, default=10)
    parser.add_argument(
        "--skip-analysis",
        action="store_true",
        help="replace nlp analysis by a constant: fetch + extraction + storage only",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="analysis worker processes (ANALYSIS_WORKERS; 0: analyse on the reactor thread)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    crawl = run_crawl(
        args.hosts, args.per_host, skip_analysis=args.skip_analysis, workers=args.workers
    )
    bench = run_scrapy_bench(args.bench_seconds)
    print(report(crawl, bench))
    if args.json:
        print(json.dumps({"crawl": crawl, "scrapy_bench": bench}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
