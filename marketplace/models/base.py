from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use marketplace.models.base.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class city_date(FunctionElement):  # noqa: N801 (an SQL function, named as one)
    """``city_date(column, zone)``: the calendar date in IANA time zone ``zone`` (a literal) of a
    UTC timestamp column, computed by the database so that figures per city day can be grouped
    there (issue 12, open data). PostgreSQL: ``date(timezone(zone, column))``; SQLite: the Python
    function ``sqlite_city_date`` registered on each connection (app.tune_sqlite), which returns
    the date as ISO text (callers accept a date or its ISO text)."""

    name = "city_date"
    inherit_cache = True


@compiles(city_date)
def _city_date_sqlite(element, compiler, **kw):
    return f"city_date({compiler.process(element.clauses, **kw)})"


@compiles(city_date, "postgresql")
def _city_date_postgresql(element, compiler, **kw):
    column, zone = list(element.clauses)
    return f"date(timezone({compiler.process(zone, **kw)}, {compiler.process(column, **kw)}))"


def sqlite_city_date(stamp: str | None, zone: str) -> str | None:
    """SQLite's ``city_date``: a stored UTC timestamp ("2026-04-01 06:30:00.000000") to the ISO date
    in ``zone``."""
    if stamp is None:
        return None
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).date().isoformat()
