"""Crawl benchmark (issue 3): our crawl against ``scrapy bench``, same machine, same run.

1. Start the local mirror (``bench/mirror.py``): 20 hosts on loopback addresses,
   100 article pages each, an RSS feed per host.
2. Crawl it once with ``pipeline.crawl.crawl_once`` into a temporary SQLite
   database, politeness delays set to zero: the real path — fetch, decode,
   extract (trafilatura, in extraction workers), store (batched, item pipeline
   included), then analysis (nlp, in low-priority workers that start while the
   crawl runs and finish after it).
3. Run ``scrapy bench`` (Scrapy's own server and link-following spider, no
   processing) and print both rates and their ratio.

THE ratio (target >= 0.5) is the crawl rate — articles fetched, extracted and
stored, per second from the start of ``crawl_once`` to the last article stored —
over scrapy bench's pages/s. Printed apart: when every article was analysed
(``crawl_once`` returns only then), the end-to-end rate including analysis, the
reactor thread's time by stage, and the CPU time of the worker processes.

    .venv/bin/python bench/crawl.py [--hosts 20] [--per-host 100] [--bench-seconds 10]
                                    [--workers N] [--extraction-workers N] [--json]

About two minutes on a two-core machine. scrapy bench's own rate varies a lot
between runs on a small machine (30-150 pages/s measured), so compare ratios
over several runs.
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
        self.marks: dict[str, float] = {}
        self.worker_cpu: dict[str, float] = defaultdict(float)
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def instrument() -> StageTimer:
    from sqlalchemy.orm import Session

    import crawlers.spiders as spiders
    import pipeline.crawl as crawl
    from crawlers.extract_pool import ExtractionPool
    from pipeline.analysis_pool import AnalysisPool
    from pipeline.scrapy_ingest import IngestPipeline

    timer = StageTimer()
    timer.wrap(spiders, "decode_html", "decode")
    timer.wrap(spiders, "parse_feed", "feeds")
    timer.wrap(spiders, "extract", "extraction (in the crawl process)")
    timer.wrap(ExtractionPool, "extract", "extraction hand-off to workers")
    timer.wrap(AnalysisPool, "analyze", "analysis hand-off (only_relevant)")
    timer.wrap(AnalysisPool, "analyse_stored", "analysis hand-off (stored articles)")
    timer.wrap(crawl, "known_urls", "known-URL lookups")
    # Beside the reactor, in the writer thread: counted apart (see report()).
    timer.wrap(IngestPipeline, "_write_batch", "  writer thread: batches written")
    timer.wrap(Session, "commit", "  writer thread: of which commits")
    original_flush = IngestPipeline._flush

    def flush(self: IngestPipeline) -> None:
        # Each non-empty batch: its write time, and the moment the last one was stored.
        if not self.batch:
            return
        began = time.perf_counter()
        try:
            original_flush(self)
        finally:
            now = time.perf_counter()
            timer.seconds["storage hand-off to the writer thread"] += now - began
            timer.calls["storage hand-off to the writer thread"] += 1
            timer.marks["last stored"] = now

    IngestPipeline._flush = flush  # type: ignore[method-assign]
    timer._undo.append(lambda: setattr(IngestPipeline, "_flush", original_flush))
    # Worker CPU, read just before each pool stops.
    for pool, name in ((ExtractionPool, "extraction"), (AnalysisPool, "analysis")):
        original_shutdown = pool.shutdown

        def shutdown(self: Any, _original: Any = original_shutdown, _name: str = name) -> None:
            timer.worker_cpu[_name] += sum(_cpu_seconds(pid) for pid in self.pids())
            _original(self)

        pool.shutdown = shutdown  # type: ignore[method-assign]
        timer._undo.append(lambda p=pool, o=original_shutdown: setattr(p, "shutdown", o))
    return timer


def run_crawl(
    hosts: int,
    per_host: int,
    *,
    workers: int | None = None,
    extraction_workers: int | None = None,
) -> dict[str, Any]:
    from pipeline.crawl import crawl_once
    from storage.db import make_engine, session_factory
    from storage.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp, mirror(hosts, per_host) as bases:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        config = bench_config(bases)
        overrides = dict(OVERRIDES)
        if workers is not None:
            overrides["ANALYSIS_WORKERS"] = workers
        if extraction_workers is not None:
            overrides["EXTRACTION_WORKERS"] = extraction_workers
        timer = instrument()
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        try:
            summary = crawl_once(
                config, session_factory(engine), settings_overrides=overrides, trigger="bench"
            )
        finally:
            timer.restore()
        wall = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        engine.dispose()
    totals = summary.totals
    articles = totals.new + totals.updated + totals.unchanged
    crawl_seconds = timer.marks.get("last stored", start + wall) - start
    return {
        "analysis_workers": "default" if workers is None else workers,
        "extraction_workers": "default" if extraction_workers is None else extraction_workers,
        "articles": articles,
        "analysed": summary.analysis.analysed,
        "analysis_failed": summary.analysis.failed,
        "still_pending": summary.still_pending,
        "outcomes": totals.outcomes,
        "errors": totals.errors,
        "crawl_seconds": crawl_seconds,
        "wall_seconds": wall,
        "pages_per_second": articles / crawl_seconds,
        "end_to_end_pages_per_second": articles / wall,
        "crawl_process_cpu_seconds": (cpu_after.ru_utime - cpu_before.ru_utime)
        + (cpu_after.ru_stime - cpu_before.ru_stime),
        "worker_cpu_seconds": dict(timer.worker_cpu),
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
    rate, bench_rate = crawl["pages_per_second"], bench["pages_per_second"]
    lines = [
        f"our crawl (fetch -> extract -> store; analysis workers: {crawl['analysis_workers']}, "
        f"extraction workers: {crawl['extraction_workers']}): {crawl['articles']} articles stored "
        f"in {crawl['crawl_seconds']:.1f} s = {rate:.1f} pages/s; errors {crawl['errors']}, "
        f"outcomes {crawl['outcomes']}",
        f"scrapy bench: {bench['pages']} pages in {bench['seconds']:.1f} s = {bench_rate:.1f} pages/s",
        f"ratio     : {rate / bench_rate:.2f} (crawl rate / scrapy bench); target >= 0.5",
        f"analysis  : every article analysed {crawl['wall_seconds']:.1f} s after the start "
        f"({crawl['wall_seconds'] - crawl['crawl_seconds']:.1f} s after the last was stored): "
        f"{crawl['analysed']} analysed, {crawl['analysis_failed']} failed, "
        f"{crawl['still_pending']} still pending",
        f"end to end: {crawl['end_to_end_pages_per_second']:.1f} pages/s including analysis "
        f"(ratio {crawl['end_to_end_pages_per_second'] / bench_rate:.2f})",
        "where the crawl process's time goes until the last article is stored "
        "(wall seconds on the reactor thread):",
    ]
    stages = {k: v for k, v in crawl["stages"].items() if not k.startswith(" ")}
    beside = {k: v for k, v in crawl["stages"].items() if k.startswith(" ")}
    stages["scrapy, twisted, http, rest"] = max(crawl["crawl_seconds"] - sum(stages.values()), 0.0)
    for stage, secs in [
        *sorted(stages.items(), key=lambda kv: -kv[1]),
        *sorted(beside.items(), key=lambda kv: -kv[1]),
    ]:
        calls = crawl["calls"].get(stage)
        per = f", {1000 * secs / calls:.2f} ms/call x {calls}" if calls else ""
        share = 100 * secs / crawl["crawl_seconds"]
        lines.append(f"  {stage:36s} {secs:7.1f} s  {share:5.1f} %{per}")
    per_article = 1000 / max(crawl["articles"], 1)
    lines.append(
        f"  crawl process CPU (whole run): {crawl['crawl_process_cpu_seconds']:.1f} s "
        f"({crawl['crawl_process_cpu_seconds'] * per_article:.1f} ms/article)"
    )
    for name, secs in sorted(crawl["worker_cpu_seconds"].items()):
        lines.append(
            f"  {name} worker processes: {secs:.1f} CPU s ({secs * per_article:.1f} ms/article"
            + (", model loading included)" if name == "analysis" else ")")
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
        "--workers",
        type=int,
        default=None,
        help="analysis worker processes (ANALYSIS_WORKERS; 0: analyse in the crawl process)",
    )
    parser.add_argument(
        "--extraction-workers",
        type=int,
        default=None,
        help="extraction worker processes (EXTRACTION_WORKERS; 0: extract on the reactor thread)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    crawl = run_crawl(
        args.hosts, args.per_host, workers=args.workers, extraction_workers=args.extraction_workers
    )
    bench = run_scrapy_bench(args.bench_seconds)
    print(report(crawl, bench))
    if args.json:
        print(json.dumps({"crawl": crawl, "scrapy_bench": bench}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
