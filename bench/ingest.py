"""Ingest throughput against bare word segmentation (issue 2, item 11).

Run from the repository root:

    .venv/bin/python -m bench.ingest              # 1,000 documents
    .venv/bin/python -m bench.ingest --docs 200

Each of the first ``--docs`` documents of ../shared/data/dantri_unc.jsonl.gz is wrapped in
a news-site HTML page (head metadata, navigation, article, related links, footer) and
goes through the normal ingest path: ``crawlers.extract.extract`` (trafilatura) ->
``nlp.Analyzer.analyze`` -> ``pipeline.ingest.ingest`` (store, story cluster, flag) into a
fresh SQLite database in a temporary folder, written as the crawler's writer does: one
transaction (with the write lock) per ``STORE_BATCH_ITEMS`` (50) articles. The same run times bare
``underthesea.word_tokenize`` on each document's text, interleaved document by document.
The ratio is ingest throughput / segmentation throughput in CPU time (one core);
target >= 0.7. Skips with a message when the shared data folder is absent.
"""

from __future__ import annotations

import argparse
import html
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

TARGET = 0.7

_PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>{title} | Báo Dân trí</title>
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2021-03-0{day}T08:30:00+07:00">
<meta name="author" content="Phóng viên">
<link rel="canonical" href="{url}">
</head><body>
<header><nav><a href="/">Trang chủ</a> <a href="/xa-hoi.htm">Xã hội</a> <a href="/the-gioi.htm">Thế giới</a>
<a href="/kinh-doanh.htm">Kinh doanh</a> <a href="/the-thao.htm">Thể thao</a></nav></header>
<main><article class="singular-container">
<h1 class="title-page detail">{title}</h1>
<div class="author-wrap"><span class="author-name">Phóng viên</span> <time datetime="2021-03-0{day}">0{day}/03/2021</time></div>
<div class="singular-content">
{paragraphs}
</div></article>
<aside class="related"><h3>Tin liên quan</h3><ul><li><a href="/a.htm">Tin khác một</a></li>
<li><a href="/b.htm">Tin khác hai</a></li></ul></aside></main>
<footer><p>Cơ quan chủ quản: Bộ Lao động. Giấy phép số 298/GP-BTTTT.</p></footer>
</body></html>
"""


def page_for(title: str, text: str, url: str, day: int) -> tuple[str, str]:
    """A realistic article page for a document; its first line is the headline when untitled."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not title and len(lines) > 1:
        title, lines = lines[0], lines[1:]
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return title, _PAGE.format(
        title=html.escape(title), url=html.escape(url), paragraphs=paragraphs, day=day
    )


class BatchWriter:
    """Stores articles as the crawler's writer thread does: ``size`` per transaction,
    each transaction holding the write lock (``storage.db.begin_writing``)."""

    def __init__(self, sessions: Any, store: Callable[..., Any], size: int) -> None:
        self.sessions, self.store, self.size = sessions, store, size
        self.session: Any = None
        self.count = 0

    def save(self, draft: Any, analysis: Any) -> str:
        from storage.db import begin_writing

        if self.session is None:
            self.session = self.sessions()
            begin_writing(self.session, serialise=True)
        result = self.store(self.session, draft, analysis)
        self.count += 1
        if self.count >= self.size:
            self.flush()
        return str(result.status.value)

    def flush(self) -> None:
        if self.session is not None:
            self.session.commit()
            self.session.close()
        self.session, self.count = None, 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=1000, help="documents timed (default 1000)")
    parser.add_argument(
        "--models", type=Path, default=None, help="models directory, as haidang analyze --models"
    )
    args = parser.parse_args(argv)

    from underthesea import word_tokenize  # the baseline: underthesea itself

    from bench._shared import Timer, load_docs, report_ratio
    from config import load_config
    from crawlers.extract import NoTextError, extract
    from crawlers.records import FetchedPage
    from nlp import Analyzer
    from pipeline.ingest import ingest as store_article
    from pipeline.ingest import sync_sources
    from pipeline.scrapy_ingest import DEFAULT_BATCH_ITEMS
    from storage.db import make_engine, session_factory
    from storage.migrate import upgrade

    print("how to run: .venv/bin/python -m bench.ingest [--docs N] [--models DIR]")
    docs = load_docs(max(args.docs, 1))
    config = load_config()
    source_id = config.sources[0].id
    analyzer = Analyzer(config, models_dir=args.models)
    pages = []
    for i, doc in enumerate(docs):
        title, page = page_for(doc.title, doc.text, doc.url, i % 9 + 1)
        pages.append((doc, title, page))

    with tempfile.TemporaryDirectory(prefix="haidang-bench-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        sessions = session_factory(engine)
        with sessions() as session:
            sync_sources(session, config)
            session.commit()

        phases = {"extract": Timer(), "analyse": Timer(), "store": Timer()}

        writer = BatchWriter(
            sessions, lambda s, d, a: store_article(s, d, a, config=config), DEFAULT_BATCH_ITEMS
        )

        def ingest(doc_url: str, page: str) -> str:
            fetched = FetchedPage(
                source_id=source_id,
                url=doc_url,
                status=200,
                html=page,
                fetched_at=datetime.now(UTC),
            )
            draft = phases["extract"](extract, fetched)
            analysis = phases["analyse"](analyzer.analyze, draft)
            return str(phases["store"](writer.save, draft, analysis))

        # Warm up on throw-away URLs: imports, models, first-call costs.
        for doc, _title, page in pages[:3]:
            ingest(doc.url + "?warmup", page)
            word_tokenize(doc.text)
        writer.flush()
        for timer in phases.values():
            timer.cpu = timer.wall = 0.0
            timer.calls = 0

        bare, ours = Timer(), Timer()
        failed = 0
        for doc, title, page in pages:
            bare(word_tokenize, f"{title}. {doc.text}" if doc.title else doc.text)
            try:
                ours(ingest, doc.url, page)
            except NoTextError as exc:
                failed += 1
                print(f"no text extracted from {doc.id}: {exc}")
        last = Timer()
        last(writer.flush)  # the last, partial batch belongs to the run
        for timer in (ours, phases["store"]):
            timer.cpu, timer.wall = timer.cpu + last.cpu, timer.wall + last.wall
        engine.dispose()
    print(
        f"{len(pages)} documents ({failed} without extractable text), SQLite in a temporary folder"
    )
    ratio = report_ratio("extract + analyse + store", ours, bare, TARGET)
    print(
        "CPU ms per document: bare segmentation "
        + f"{bare.cpu / bare.calls * 1000:.1f}; "
        + ", ".join(f"{name} {t.cpu / max(t.calls, 1) * 1000:.1f}" for name, t in phases.items())
    )
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
