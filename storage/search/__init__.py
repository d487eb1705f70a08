"""Search and analytics over stored articles (SQLite FTS5 or PostgreSQL full text).

The web and the CLI use these names; see each module for details.
"""

from storage.search.analytics import facets, time_series, top_entities
from storage.search.engine import count, search
from storage.search.export import ExportFormat, export_rows, stream_export, write_export
from storage.search.query import QueryError, parse
from storage.search.records import (
    Bucket,
    EntityCount,
    Facets,
    SearchFilters,
    SearchHit,
    SearchPage,
    SearchRequest,
    Segment,
    Sort,
)
from storage.search.saved import (
    SavedSearchError,
    add_saved,
    check_alerts,
    delete_saved,
    get_saved,
    list_saved,
    new_matches,
)

__all__ = [
    "Bucket",
    "EntityCount",
    "ExportFormat",
    "Facets",
    "QueryError",
    "SavedSearchError",
    "SearchFilters",
    "SearchHit",
    "SearchPage",
    "SearchRequest",
    "Segment",
    "Sort",
    "add_saved",
    "check_alerts",
    "count",
    "delete_saved",
    "export_rows",
    "facets",
    "get_saved",
    "list_saved",
    "new_matches",
    "parse",
    "search",
    "stream_export",
    "time_series",
    "top_entities",
    "write_export",
]
