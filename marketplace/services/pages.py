"""Keyset pages for the API's lists (issue 12, item 3): records after a cursor's id, newest first,
one index range at any depth (no OFFSET)."""
from __future__ import annotations

from ..extensions import db


def after_id(query, column, after: int | None, limit: int, *, descending: bool = True) -> list:
    """Up to ``limit`` + 1 rows of ``query`` ordered by the id ``column`` (descending unless told),
    starting after the id ``after`` (None: from the first); the extra row tells that another page
    follows (web.api.support.page)."""
    if after is not None:
        query = query.where(column < after if descending else column > after)
    query = query.order_by(None).order_by(column.desc() if descending else column.asc()).limit(limit + 1)
    return list(db.session.execute(query).scalars())
