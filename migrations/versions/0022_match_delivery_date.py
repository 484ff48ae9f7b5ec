"""a match's expected delivery date (issue 12 item 1): matches.delivery_on (date, nullable), the day
the supplier confirmed (or the buyer recorded when ordering). Existing matches have none: the
shortfall projection keeps estimating their arrival from the offer's lead time. Downgrade drops
the column (the dates are lost; their audit rows keep them).

Revision ID: 0022
Revises: 0019
Create Date: 2026-11-30 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_column('delivery_on')
