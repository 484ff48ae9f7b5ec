from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Text, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine


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


# --- A list of values as ONE bound parameter ------------------------------------------------------
# ``column.in_(values)`` binds one parameter per value: PostgreSQL refuses a statement with more than
# 65,535 parameters and SQLite one with more than 32,766, so any list that grows with the data (ids
# of leads, requests, users, notifications, external ids of an import) goes through ``id_in``.
# IN over a small fixed tuple of constants (statuses, roles) stays ``in_``.


class _ValueList(TypeDecorator):
    """A Python list of ``item_type`` values bound as one parameter: a PostgreSQL array
    (``item_type[]``, which psycopg adapts from the list), on SQLite JSON text (read back by
    ``json_each``). Values must be JSON-serialisable there (ints, strings)."""

    impl = Text
    cache_ok = True

    def __init__(self, item_type: TypeEngine):
        super().__init__()
        # Without its length: a cast to VARCHAR(n)[] would cut a longer value down to n characters
        # (and so match a stored value that is its prefix).
        if getattr(item_type, "length", None) is not None:
            item_type = item_type.adapt(type(item_type), length=None)
        self.item_type = item_type

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.item_type))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value, dialect):
        return value if dialect.name == "postgresql" else json.dumps(value)


class id_in(FunctionElement):  # noqa: N801 (an SQL condition, used like one: where(id_in(Lead.id, ids)))
    """``id_in(column, values)``: the SQL condition "``column`` is one of ``values``" (an iterable of
    ints or strings of the column's type, any length, possibly empty: then nothing matches; None
    matches nothing, as in IN), with the whole list bound as ONE parameter, so no length reaches the
    databases' limits on parameters per statement. PostgreSQL: ``column = ANY(:values)`` (an array);
    SQLite: ``column IN (SELECT value FROM json_each(:values))`` (JSON text). Both use the column's
    index. Combines like any condition (``and_``, ``or_``, ``~``)."""

    name = "id_in"
    # No Boolean type: SQLite would be given "(...) = 1", which no index serves.
    inherit_cache = True

    def __init__(self, column: ColumnElement, values: Iterable):
        super().__init__(column, bindparam(None, list(values), type_=_ValueList(column.type)))


@compiles(id_in)
def _id_in_any(element, compiler, **kw):
    # PostgreSQL's form, also what str(statement) shows.
    column, values = list(element.clauses)
    return f"({compiler.process(column, **kw)} = ANY({compiler.process(values, **kw)}))"


@compiles(id_in, "sqlite")
def _id_in_sqlite(element, compiler, **kw):
    column, values = list(element.clauses)
    return f"({compiler.process(column, **kw)} IN (SELECT value FROM json_each({compiler.process(values, **kw)})))"
