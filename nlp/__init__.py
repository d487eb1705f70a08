"""Vietnamese text analysis: ``analyze(doc) -> Analysis``.

``analyze`` uses one process-wide ``Analyzer`` built on first use from the configuration
(``config.load_config``); build an ``Analyzer`` yourself for another configuration,
trained models (``models_dir``) or named entities (``entities=True``).
"""

from __future__ import annotations

import threading

from nlp.analyze import Analyzer
from nlp.records import Analysis, Document, TextItem

__all__ = ["analyze", "Analyzer", "Analysis", "Document", "TextItem", "default_analyzer"]

_default: Analyzer | None = None
_lock = threading.Lock()


def default_analyzer() -> Analyzer:
    """The process-wide analyser, built once from the configuration in use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                from config import load_config

                _default = Analyzer(load_config())
    return _default


def analyze(doc: Document) -> Analysis:
    """Analyse one item with the default analyser.

    >>> analyze(TextItem(title="Thanh long Bình Thuận vào mùa", text="")).province.relevant
    True
    """
    return default_analyzer().analyze(doc)
