"""offers go stale (issue 11, item 11): leads.valid_until (the last day the quote holds) and
leads.validity_reminded_for (the validity date the supplier was last asked about), with an index
on (status, valid_until); demand_requests.overdue_asked_for (the needed-by date for which the buyer
was asked whether to extend).

Existing leads get a validity of 14 days from the day of the upgrade (UTC): they were given without
one, and lapsing all of them at once would empty matching; their suppliers are asked 3 days before.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 10:50:00

"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('validity_reminded_for', sa.Date(), nullable=True))
    leads = sa.table('leads', sa.column('valid_until', sa.Date()))
    op.execute(leads.update().values(valid_until=datetime.now(UTC).date() + timedelta(days=14)))
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.alter_column('valid_until', existing_type=sa.Date(), nullable=False)
        batch_op.create_index('ix_leads_status_valid_until', ['status', 'valid_until'], unique=False)
    with op.batch_alter_table('demand_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_asked_for', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('demand_requests', schema=None) as batch_op:
        batch_op.drop_column('overdue_asked_for')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_status_valid_until')
        batch_op.drop_column('validity_reminded_for')
        batch_op.drop_column('valid_until')
