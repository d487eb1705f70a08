"""Pipeline: ingest (the one place where crawlers, nlp and storage meet), jobs, CLI."""
