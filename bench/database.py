"""The PostgreSQL databases the scale benches load, each its own (dropped and made again, or reused
with --keep), and the app they measure in: one copy of what bench/*_scale.py each wrote for itself.
Marketplace modules are imported inside the functions, after a bench has set MARKETPLACE_INSTANCE."""
from __future__ import annotations

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
VETTER = "vetter@bench.example"


def database_url(name: str) -> str:
    """The libpq URL of the bench database ``name`` (on ADMIN_URL's server)."""
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def reset_database(name: str) -> str:
    """Drop the database ``name`` (its connections too) and make it again, empty; its libpq URL."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return database_url(name)


def reuse_or_reset(name: str, keep: bool, leads: int) -> bool:
    """With ``keep`` (--keep), True when the database ``name`` already holds at least ``leads`` leads:
    it is reused. Otherwise (or when it cannot be read) it is made again, empty (reset_database),
    and False."""
    import psycopg

    if keep:
        try:
            with psycopg.connect(database_url(name)) as conn:
                if conn.execute("SELECT count(*) FROM leads").fetchone()[0] >= leads:
                    return True
        except psycopg.Error:
            pass
    reset_database(name)
    return False


def bench_app(name: str, **overrides):
    """The app (testing configuration) on the bench database ``name``, through psycopg."""
    from marketplace.app import create_app

    url = database_url(name).replace("postgresql://", "postgresql+psycopg://")
    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, SERVER_NAME=None, **overrides)


def ensure_vetter() -> str:
    """The bench's vetter account (made when missing); its e-mail. Inside an app context."""
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.models import User
    from tests.conftest import make_user

    if db.session.scalar(select(User.id).where(User.email == VETTER)) is None:
        make_user("vetter", VETTER)
    return VETTER


def default_marketplace_refs(cursor) -> None:
    """For loaders that COPY leads without a marketplace reference (they predate migration 0008,
    which made it NOT NULL; the app's default is in Python, not in the table): the bench database
    gives each lead one."""
    cursor.execute("ALTER TABLE leads ALTER COLUMN marketplace_ref SET DEFAULT gen_random_uuid()::text")


def vacuum_analyze(name: str) -> None:
    """What autovacuum does to a table soon after a bulk load (visibility map, statistics), on the
    database ``name``."""
    import psycopg

    with psycopg.connect(database_url(name), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def server_version(name: str) -> str:
    """PostgreSQL's version, as the database ``name`` reports it (e.g. "16.4")."""
    import psycopg

    with psycopg.connect(database_url(name)) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


def scratch_app(prefix: str, pg: str | None, redis_url: str | None, **overrides):
    """The app (testing configuration, migrated) that the per-request cost benches measure: on the
    PostgreSQL database ``pg`` with its public schema emptied (--pg), else on a new SQLite file;
    Redis ``redis_url`` flushed (--redis), else in-process jobs and in-memory limits. ``prefix``
    names the temporary folders; ``overrides`` are config values (the benches lift their limits)."""
    import os
    import tempfile

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from config import normalise_database_url
    from marketplace.app import create_app

    os.environ.setdefault("MARKETPLACE_INSTANCE", tempfile.mkdtemp(prefix=f"{prefix}-"))
    if pg:
        url = normalise_database_url(pg)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix=f'{prefix}-db-')}/bench.db"
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, REDIS_URL=redis_url,
                     RATELIMIT_STORAGE_URI=redis_url or "memory://", SERVER_NAME=None,
                     UPLOAD_FOLDER=tempfile.mkdtemp(prefix=f"{prefix}-uploads-"), **overrides)
    with app.app_context():
        upgrade()
    return app
