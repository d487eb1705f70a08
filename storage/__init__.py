"""Storage: SQLAlchemy 2 models, sessions, queries and Alembic migrations.

SQLite file ``data/haidang.db`` by default; PostgreSQL via ``HAIDANG_DATABASE_URL``.
"""
