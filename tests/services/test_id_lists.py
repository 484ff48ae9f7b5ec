"""Lists of ids of any length in one statement (models.base.id_in): PostgreSQL refuses more than
65,535 bound parameters and SQLite more than 32,766, so an IN list that grows with the data is bound
as ONE parameter. First the helper alone on a bare table (SQLite in memory, and the test PostgreSQL
when TEST_DATABASE_URL names one), then the services' own code paths with 70,000 ids on the test
database."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, not_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from marketplace.app import tune_sqlite
from marketplace.models.base import id_in
from tests.conftest import DATABASE_URL, IS_POSTGRES, city_today

MORE_THAN_ANY_LIMIT = 70_000  # PostgreSQL: 65,535 parameters; SQLite: 32,766

# --- The helper alone ----------------------------------------------------------------------------

_metadata = MetaData()
_things = Table("id_in_things", _metadata, Column("id", Integer, primary_key=True), Column("ref", String(3)),
                prefixes=["TEMPORARY"])


def _engines():
    yield pytest.param("sqlite://", id="sqlite")
    if IS_POSTGRES:
        yield pytest.param(DATABASE_URL, id="postgresql")


@pytest.fixture(params=list(_engines()))
def things(request):
    """A connection with a temporary table of ids 1..1,000, each with ref "r<id % 100>"."""
    from config import normalise_database_url

    engine = create_engine(normalise_database_url(request.param))
    if engine.dialect.name == "sqlite":
        tune_sqlite(engine)  # as the app's: SQLite's default limit of parameters on every build
    with engine.connect() as conn:
        _metadata.create_all(conn)
        conn.execute(insert(_things), [{"id": i, "ref": f"r{i % 100}"} for i in range(1, 1001)])
        yield conn
        conn.rollback()
    engine.dispose()


def _ids(conn, condition) -> list[int]:
    return list(conn.execute(select(_things.c.id).where(condition).order_by(_things.c.id)).scalars())


def test_a_list_longer_than_any_parameter_limit_is_one_statement(things):
    assert _ids(things, id_in(_things.c.id, range(1, MORE_THAN_ANY_LIMIT + 1))) == list(range(1, 1001))
    # The same with plain IN is what the databases refuse (the kind of bug id_in is for).
    with pytest.raises(DBAPIError, match="(?i)too many SQL variables|parameters must be between"):
        _ids(things, _things.c.id.in_(range(1, MORE_THAN_ANY_LIMIT + 1)))


def test_values_of_any_iterable_strings_none_and_empty(things):
    assert _ids(things, id_in(_things.c.id, {5, 3, 5000})) == [3, 5]
    assert _ids(things, id_in(_things.c.id, (i for i in (7, 8)))) == [7, 8]
    assert _ids(things, id_in(_things.c.id, [])) == []
    assert _ids(things, id_in(_things.c.id, [None, 9])) == [9]  # None matches nothing, as in IN
    assert _ids(things, id_in(_things.c.ref, ["r42"]) & (_things.c.id < 200)) == [42, 142]


def test_a_value_longer_than_the_column_is_not_cut_to_match(things):
    # "r42x" cut to the column's 3 characters would be "r42": it must match nothing.
    assert _ids(things, id_in(_things.c.ref, ["r42x"])) == []


def test_it_combines_like_any_condition(things):
    assert _ids(things, not_(id_in(_things.c.id, range(3, 1001)))) == [1, 2]
    assert _ids(things, ~id_in(_things.c.id, range(2, MORE_THAN_ANY_LIMIT))) == [1]
    assert _ids(things, or_(id_in(_things.c.id, []), _things.c.id == 4)) == [4]
    inner = select(_things.c.id).where(id_in(_things.c.id, [10, 11])).scalar_subquery()
    assert _ids(things, _things.c.id.in_(inner)) == [10, 11]


def test_the_cached_statement_takes_each_call_s_own_list(things):
    # SQLAlchemy caches the compiled statement by its shape: the list must be a parameter of it.
    def query(ids):
        return select(_things.c.id).where(id_in(_things.c.id, ids), _things.c.id > 1).order_by(_things.c.id)

    assert list(things.execute(query([1, 2, 3])).scalars()) == [2, 3]
    assert list(things.execute(query([40, 41])).scalars()) == [40, 41]


def test_the_sql_binds_one_parameter_on_each_database():
    statement = select(_things.c.id).where(id_in(_things.c.ref, ["a", "b", "c"]))
    on_postgres = statement.compile(dialect=postgresql.psycopg.dialect())
    assert "id_in_things.ref = ANY(" in str(on_postgres) and "::VARCHAR[]" in str(on_postgres)
    assert len(on_postgres.params) == 1
    on_sqlite = statement.compile(dialect=sqlite.dialect())
    assert "IN (SELECT value FROM json_each(?))" in str(on_sqlite) and len(on_sqlite.params) == 1
    # No "= 1" after it on SQLite (a boolean's rendering there), which no index would serve.
    assert str(on_sqlite).rstrip().endswith("json_each(?)))")


# --- The services' code paths on the test database ---------------------------------------------

def _bulk_leads(count: int) -> list[int]:
    """``count`` leads awaiting vetting inserted in one executemany (none approved: the matching run
    that posting a request starts has nothing to allocate); their ids."""
    from marketplace.extensions import db
    from marketplace.models import Lead

    now, valid_until = datetime.now(UTC), city_today() + timedelta(days=14)
    db.session.execute(Lead.__table__.insert(), [
        {"company_name": f"Supplier {n}", "email": f"sales@supplier{n}.example", "supplier_type": "distributor",
         "product_category": "n95_respirator", "quantity": 100, "unit_price": Decimal("0.80"), "source": "csv",
         "status": "submitted", "processing_state": "done", "processing_attempts": 0, "created_at": now,
         "updated_at": now, "marketplace_ref": f"ref-{n}", "valid_until": valid_until, "pack_size": 1,
         "queue_score": -1} for n in range(count)])
    db.session.commit()
    return list(db.session.execute(select(Lead.id).order_by(Lead.id)).scalars())


def test_supply_and_demand_figures_for_more_ids_than_a_statement_has_parameters(app_ctx):
    from marketplace.extensions import db
    from marketplace.models import Lead, LeadMessage, Match
    from marketplace.services import demand, supply, vetting
    from tests.conftest import make_request, make_user

    lead_ids = _bulk_leads(MORE_THAN_ANY_LIMIT)
    assert len(lead_ids) == MORE_THAN_ANY_LIMIT
    request = make_request(make_user("buyer", verified=True), quantity="500")
    held, delivered, declined, answered = lead_ids[0], lead_ids[-1], lead_ids[1], lead_ids[-2]
    db.session.add_all([
        Match(demand_id=request.id, lead_id=held, quantity=30, unit_price=Decimal("0.80"), status="accepted"),
        Match(demand_id=request.id, lead_id=delivered, quantity=100, unit_price=Decimal("0.80"), status="delivered"),
        Match(demand_id=request.id, lead_id=declined, quantity=10, unit_price=Decimal("0.80"), status="declined"),
        LeadMessage(lead_id=answered, kind="question", body="Which standard?"),
        LeadMessage(lead_id=answered, kind="answer", body="NIOSH N95.")])
    db.session.get(Lead, answered).status = "under_review"
    db.session.commit()

    # What release_plan reads for every lead of a plan.
    available = supply.available_units(lead_ids)
    assert len(available) == MORE_THAN_ANY_LIMIT
    assert available[held] == 70 and available[delivered] == 0 and available[declined] == 100
    assert available[lead_ids[2]] == 100

    # Per request, for as many request ids (the one real request among ids that match nothing).
    request_ids = [request.id, *range(request.id + 1, request.id + MORE_THAN_ANY_LIMIT)]
    assert demand.held_units_by_request(request_ids) == {request.id: 130}
    assert demand.units_by_request(request_ids) == {request.id: {"accepted": 30, "delivered": 100}}
    assert supply.excluded_offers(request_ids) == {request.id: frozenset({declined})}

    # The vetting queue's "supplier answered" for a page of as many leads.
    assert vetting.answered_ids(lead_ids) == {answered}
