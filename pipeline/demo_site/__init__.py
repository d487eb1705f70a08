"""The recorded demo news site behind ``haidang demo``.

Five made-up outlets written by the team (never copied from real sources):
their articles live in ``outlet_*.yaml``, the markup in the Jinja templates
next to them. Dates are offsets from *today*, rendered when the page is
served, so the demo digest always has items of the day.
"""

from pipeline.demo_site.corpus import DemoArticle, Outlet, load_outlets
from pipeline.demo_site.server import DemoSite, serve_site

__all__ = ["DemoArticle", "DemoSite", "Outlet", "load_outlets", "serve_site"]
