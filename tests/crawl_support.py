"""Helpers for crawl tests: a config directory pointing at the fixture site, and
crawls run through the real ``haidang`` entry point in a subprocess (Scrapy's
reactor runs once per process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
SHIPPED_SCHEDULE = REPO / "config" / "schedule.yaml"


def haidang() -> list[str]:
    script = Path(sys.executable).with_name("haidang")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]


def write_config(directory: Path, sources: list[dict[str, Any]], **crawl: Any) -> Path:
    """``sources.yaml`` and ``schedule.yaml`` for tests: no politeness delay, short timeout."""
    directory.mkdir(parents=True, exist_ok=True)
    for source in sources:
        source.setdefault("kind", "national_press")
        source.setdefault("tier", 2)
        source.setdefault("name", source["id"])
    (directory / "sources.yaml").write_text(
        yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8"
    )
    schedule = yaml.safe_load(SHIPPED_SCHEDULE.read_text(encoding="utf-8"))
    schedule["crawl"].update(
        {
            "download_delay_seconds": 0,
            "autothrottle": False,
            "timeout_seconds": 2,
            "max_page_bytes": 50_000,
        }
    )
    schedule["crawl"].update(crawl)
    (directory / "schedule.yaml").write_text(yaml.safe_dump(schedule), encoding="utf-8")
    return directory


def env_for(db_env: dict[str, str], config_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(db_env)
    env["HAIDANG_CONFIG_DIR"] = str(config_dir)
    return env


def crawl_command(*args: str) -> list[str]:
    # No in-run retry: a failure must show up as its outcome, fast.
    return [*haidang(), "crawl", "--json", "--set", "RETRY_TIMES=0", *args]


def run_crawl(
    db_env: dict[str, str], config_dir: Path, *args: str, timeout: float = 120
) -> dict[str, Any]:
    """``haidang crawl --json ...`` in a subprocess; returns the summary."""
    proc = subprocess.run(
        crawl_command(*args),
        env=env_for(db_env, config_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return summary


def children(pid: int) -> set[int]:
    """Live child processes of ``pid`` (the crawl's analysis workers), from /proc."""
    found: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(pid) and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_and_reap(proc: subprocess.Popen[Any], workers: set[int], grace: float = 15) -> None:
    """SIGKILL the crawl ``proc`` and check that its worker processes die with it."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + grace
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers), "orphan worker processes"
