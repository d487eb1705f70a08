"""Hải Đăng web application (FastAPI, server-rendered Jinja2 templates, Vietnamese UI).

Adding a page (triage, search, ...):
- a router module in ``web/routes/`` whose every route declares its access with
  ``dependencies=[requires(Permission.X)]`` (``create_app`` refuses routes without one);
- list the router in ``web.app.ROUTERS``;
- a template extending ``base.html``; render it with ``web.templating.render``;
- a nav entry already waits in ``web.nav.NAV_ITEMS`` for route names
  ``triage_queue`` ("Cần xử lý") and ``search`` ("Tra cứu"); it shows once the route exists;
- forms carry ``<input type="hidden" name="csrf_token" value="{{ csrf_token }}">``;
- routes that write call ``session.commit()`` before answering (see ``web.deps.db_session``);
- no inline script or style attribute: the CSP forbids them.
"""
