"""Analysis throughput against bare word segmentation (issue 4, "Speed"), and memory over time.

Run from the repository root:

    .venv/bin/python -m bench.nlp                 # 1,000 documents, then memory over 10,000
    .venv/bin/python -m bench.nlp --docs 200 --memory-docs 0

For each of the first ``--docs`` documents of ../shared/data/dantri_unc.jsonl.gz the same
run times bare ``underthesea.word_tokenize`` and ``nlp.Analyzer.analyze`` (what
``haidang analyze`` does per line: normalise, language, segmentation, gazetteer, lexicon,
topic model, risk), interleaved document by document so that load from other processes
hits both alike. The ratio is analyse throughput / segmentation throughput in CPU time
(one core); target >= 0.8. Then it analyses ``--memory-docs`` documents (cycling through
the set) and prints the resident memory as it goes; it should stay flat.
Skips with a message when the shared data folder is absent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file: import the project, not this folder (bench/nlp.py would shadow nlp).
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

TARGET = 0.8


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=1000, help="documents timed (default 1000)")
    parser.add_argument(
        "--memory-docs", type=int, default=10_000, help="documents for the memory run (0: skip)"
    )
    parser.add_argument(
        "--models", type=Path, default=None, help="models directory, as haidang analyze --models"
    )
    args = parser.parse_args(argv)

    from underthesea import word_tokenize  # the baseline: underthesea itself

    from bench._shared import Timer, cycle, load_docs, report_ratio, rss_mb
    from config import load_config
    from nlp import Analyzer, TextItem
    from nlp.segment import model_input

    print("how to run: .venv/bin/python -m bench.nlp [--docs N] [--memory-docs N] [--models DIR]")
    docs = load_docs(max(args.docs, 1))
    # As haidang analyze builds it (nothing stored: no fingerprints).
    analyzer = Analyzer(load_config(), models_dir=args.models, fingerprints=False)
    print(f"analyzer: {analyzer.model_version}")
    # Warm up: imports, model loading and first-call costs are not throughput.
    for doc in docs[:5]:
        word_tokenize(model_input(doc.title, doc.text))
        analyzer.analyze(TextItem(title=doc.title, text=doc.text))

    # Where the time goes: the risk assessor and the topic model are timed inside analyze.
    parts = {"risk": Timer(), "topic model": Timer(), "model evidence": Timer()}
    _wrap(analyzer.risk, "assess", parts["risk"])
    if analyzer.topic_model is not None:
        _wrap(analyzer.topic_model, "score", parts["topic model"])
        _wrap(analyzer.topic_model, "explain_row", parts["model evidence"])
    bare, ours = Timer(), Timer()
    chars = 0
    for doc in docs:
        raw = f"{doc.title}. {doc.text}" if doc.title else doc.text
        chars += len(raw)
        bare(word_tokenize, raw)
        ours(analyzer.analyze, TextItem(title=doc.title, text=doc.text))
    print(f"{len(docs)} documents, {chars / len(docs):.0f} characters on average")
    ratio = report_ratio("nlp.Analyzer.analyze", ours, bare, TARGET)
    per_doc = {name: timer.cpu / len(docs) * 1000 for name, timer in parts.items()}
    rest = ours.cpu / len(docs) * 1000 - sum(per_doc.values())
    print(
        f"CPU ms per document: bare segmentation {bare.cpu / len(docs) * 1000:.1f}; analyze "
        f"{ours.cpu / len(docs) * 1000:.1f} = risk {per_doc['risk']:.1f} + topic model "
        f"{per_doc['topic model']:.1f} + model evidence {per_doc['model evidence']:.1f} + the rest "
        f"(normalise, language, segmentation, gazetteer, lexicon) {rest:.1f}"
    )

    if args.memory_docs > 0:
        memory_docs = load_docs(10_000)
        start = rss_mb()
        print(f"memory: RSS {start:.1f} MiB before {args.memory_docs} more documents")
        step = max(args.memory_docs // 5, 1)
        for i, doc in enumerate(cycle(memory_docs, args.memory_docs), start=1):
            analyzer.analyze(TextItem(title=doc.title, text=doc.text))
            if i % step == 0:
                print(f"memory: after {i:6d} documents RSS {rss_mb():.1f} MiB")
        growth = rss_mb() - start
        print(f"memory: RSS growth over {args.memory_docs} documents: {growth:+.1f} MiB")
    return 0 if ratio >= TARGET else 1


def _wrap(obj: object, method: str, timer: object) -> None:
    real = getattr(obj, method)
    setattr(obj, method, lambda *args, **kwargs: timer(real, *args, **kwargs))  # type: ignore[operator]


if __name__ == "__main__":
    sys.exit(main())
