"""Crawling: Scrapy spiders, feed parsing, extraction and URL canonicalisation.

Never imports ``nlp`` or ``storage``: spiders yield records, and the ingest
step in ``pipeline`` is the only place that joins crawling to analysis and storage.
"""
