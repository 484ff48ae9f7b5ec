"""lead marketplace reference: every lead gets a random UUID that the export writes and the import
matches, so that an exported file re-imports as "unchanged" (issue 8, tester finding 2: leads
without an external_id were imported again as new leads)

Existing leads get one each here (PostgreSQL: gen_random_uuid(); SQLite: from Python, in batches).
The downgrade drops the column: the references are lost, files exported since then re-import
only by external_id again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 02:15:00

"""
import uuid
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marketplace_ref', sa.String(length=36), nullable=True))
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        op.execute("UPDATE leads SET marketplace_ref = gen_random_uuid()::text WHERE marketplace_ref IS NULL")
    else:
        update = sa.text("UPDATE leads SET marketplace_ref = :ref WHERE id = :id")
        ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM leads WHERE marketplace_ref IS NULL"))]
        for start in range(0, len(ids), 5000):
            conn.execute(update, [{"id": id_, "ref": str(uuid.uuid4())} for id_ in ids[start:start + 5000]])
    with _indexes_kept(conn):
        with op.batch_alter_table('leads', schema=None) as batch_op:
            batch_op.alter_column('marketplace_ref', existing_type=sa.String(length=36), nullable=False)
            batch_op.create_unique_constraint(batch_op.f('uq_leads_marketplace_ref'), ['marketplace_ref'])


def downgrade():
    with _indexes_kept(op.get_bind()):
        with op.batch_alter_table('leads', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('uq_leads_marketplace_ref'), type_='unique')
            batch_op.drop_column('marketplace_ref')


@contextmanager
def _indexes_kept(conn):
    """SQLite changes a column or a constraint by copying the table (migrations/env.py turns
    foreign keys off for it); the copy's indexes come from reflection, which loses DESC
    (ix_leads_best, ix_leads_open_best): they are put back exactly as they were."""
    indexes = conn.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'leads' AND sql IS NOT NULL"
    )).fetchall() if conn.dialect.name == 'sqlite' else []
    yield
    for name, sql in indexes:
        op.execute(f'DROP INDEX IF EXISTS "{name}"')
        op.execute(sql)
