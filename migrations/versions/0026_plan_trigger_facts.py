"""why a plan was computed, as a fact: ``match_plans.trigger`` becomes JSON holding
{"code", "params"} (domain.messages.TRIGGERS), worded for the reader when shown, instead of an
English sentence of at most 120 characters.

Each stored sentence the marketplace wrote becomes its fact ("lead 42 approved" is
lead_approved with lead_id 42; "3 approved lead(s) imported (+2 more)" is leads_imported with
count 3 and others 2); any other text (a sentence of an older version, a test's word, one cut at
120 characters) becomes {"code": "legacy", "params": {"text": ...}}, which staff read as written,
in quotation marks.

The downgrade words every fact in English for staff, cut to 120 characters, back into the
string column.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 16:00:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

BATCH = 2000
OLD_LENGTH = 120

# Frozen here (not imported): the sentences services wrote before this revision, each with the code
# and the names of its numbers (``email`` is kept as text).
_PATTERNS = [(re.compile(pattern), code, names) for pattern, code, names in (
    (r"lead (\d+) approved", "lead_approved", ("lead_id",)),
    (r"lead (\d+) no longer approved", "lead_unapproved", ("lead_id",)),
    (r"lead (\d+) quote confirmed", "lead_confirmed", ("lead_id",)),
    (r"lead (\d+) withdrawn", "lead_withdrawn", ("lead_id",)),
    (r"(\d+) approved lead\(s\) imported", "leads_imported", ("count",)),
    (r"request (\d+) posted", "request_posted", ("demand_id",)),
    (r"request (\d+) changed", "request_changed", ("demand_id",)),
    (r"request (\d+) withdrawn", "request_withdrawn", ("demand_id",)),
    (r"request (\d+) closed", "request_closed", ("demand_id",)),
    (r"(\d+) request\(s\) imported", "requests_imported", ("count",)),
    (r"match (\d+) declined", "match_declined", ("match_id",)),
    (r"match (\d+) closed", "match_closed", ("match_id",)),
    (r"match (\d+) proposed by hand", "match_proposed", ("match_id",)),
    (r"asked for by (\S+@\S+)", "asked", ("email",)),
    (r"sweeper: supply or demand changed since the last plan", "data_changed", ()),
    (r"changed", "data_changed", ()),
    (r"(?:sweeper: )?quotes lapsed or requests passed their date", "dates_passed", ()),
    (r"demo data", "demo_data", ()),
    (r"flask matching run", "command", ()),
)]
_MORE = re.compile(r"(.*) \(\+(\d+) more\)")


def trigger_fact(text):
    """The fact of a trigger stored as a sentence (see the module's docstring)."""
    text = text or ""
    legacy = {"code": "legacy", "params": {"text": text}}
    if len(text) >= OLD_LENGTH:  # possibly cut: its numbers or e-mail may be wrong
        return legacy
    sentence, others = text, 0
    more = _MORE.fullmatch(text)
    if more:
        sentence, others = more.group(1), int(more.group(2))
    for pattern, code, names in _PATTERNS:
        found = pattern.fullmatch(sentence)
        if found:
            params = {name: value if name == "email" else int(value) for name, value in zip(names, found.groups())}
            if others:
                params["others"] = others
            return {"code": code, "params": params}
    return legacy


def _plans(column, column_type):
    return sa.table("match_plans", sa.column("id", sa.Integer), sa.column(column, column_type))


def _copy(conn, source, source_type, target, target_type, convert):
    read, write = _plans(source, source_type), _plans(target, target_type)
    rows = conn.execute(sa.select(read.c.id, read.c[source]).order_by(read.c.id)).fetchall()
    stmt = write.update().where(write.c.id == sa.bindparam("_id")).values({target: sa.bindparam("_value")})
    for start in range(0, len(rows), BATCH):
        conn.execute(stmt, [{"_id": row_id, "_value": convert(value)} for row_id, value in rows[start:start + BATCH]])


def _swap(new_type, conn, convert, old_type):
    with op.batch_alter_table('match_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trigger_new', new_type, nullable=True))
    _copy(conn, "trigger", old_type, "trigger_new", new_type, convert)
    with op.batch_alter_table('match_plans', schema=None) as batch_op:
        batch_op.drop_column('trigger')
    with op.batch_alter_table('match_plans', schema=None) as batch_op:
        batch_op.alter_column('trigger_new', new_column_name='trigger', existing_type=new_type, nullable=False)


def upgrade():
    _swap(sa.JSON(), op.get_bind(), trigger_fact, sa.String(length=OLD_LENGTH))


def downgrade():
    from marketplace.domain import i18n, messages

    def words(stored):
        one = messages.as_fact(stored)
        if one["code"] == messages.LEGACY:
            return str(one["params"].get("text", ""))[:OLD_LENGTH]  # the sentence as it was stored
        with i18n.use_locale("en"):
            return (messages.render_trigger(one, "staff") or "")[:OLD_LENGTH]

    _swap(sa.String(length=OLD_LENGTH), op.get_bind(), words, sa.JSON())
