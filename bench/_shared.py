"""Shared helpers for the benchmarks: the shared data set, timers, memory."""

from __future__ import annotations

import gzip
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
DANTRI = SHARED_DATA / "dantri_unc.jsonl.gz"


@dataclass(frozen=True, kw_only=True)
class Doc:
    id: str
    title: str
    text: str
    url: str


def load_docs(limit: int, path: Path = DANTRI) -> list[Doc]:
    """The first ``limit`` documents of the shared Dân Trí set; exits cleanly when it is absent."""
    if not path.is_file():
        print(f"SKIP: {path} is absent (the shared data folder is not on this machine)")
        sys.exit(0)
    docs: list[Doc] = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            docs.append(
                Doc(
                    id=str(row["id"]),
                    title=row.get("title") or "",
                    text=row.get("text") or "",
                    url=row.get("url") or f"https://dantri.example/{row['id']}.htm",
                )
            )
            if len(docs) >= limit:
                break
    return docs


def cycle(docs: list[Doc], count: int) -> Iterator[Doc]:
    for i in range(count):
        yield docs[i % len(docs)]


@dataclass
class Timer:
    """Accumulated wall and CPU seconds of the calls made through it."""

    wall: float = 0.0
    cpu: float = 0.0
    calls: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __call__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        w0, c0 = time.perf_counter(), time.process_time()
        result = func(*args, **kwargs)
        self.cpu += time.process_time() - c0
        self.wall += time.perf_counter() - w0
        self.calls += 1
        return result

    def rate(self, cpu: bool = True) -> float:
        seconds = self.cpu if cpu else self.wall
        return self.calls / seconds if seconds else float("inf")


def rss_mb() -> float:
    """Resident set size of this process in MiB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def report_ratio(name: str, ours: Timer, bare: Timer, target: float) -> float:
    """Print docs/s for both and the ratio (CPU time, then wall time); return the CPU ratio."""
    ratio_cpu = ours.rate() / bare.rate()
    ratio_wall = ours.rate(cpu=False) / bare.rate(cpu=False)
    print(
        f"bare underthesea.word_tokenize: {bare.rate():8.1f} docs/s CPU  {bare.rate(False):8.1f} docs/s wall"
    )
    print(f"{name:30s}: {ours.rate():8.1f} docs/s CPU  {ours.rate(False):8.1f} docs/s wall")
    verdict = "meets" if ratio_cpu >= target else "BELOW"
    print(
        f"ratio {name} / bare segmentation: {ratio_cpu:.3f} (CPU), {ratio_wall:.3f} (wall); target >= {target} -> {verdict}"
    )
    return ratio_cpu
