"""lead pack size: prices and quantities quoted per pack are stored per unit (issue 8, item 8)

pack_size is the number of units in the pack the supplier quoted (1 for single units, the value of
every existing lead); pack_price the price of one pack as quoted, kept so that an export gives back
exactly what was typed (unit_price is pack_price / pack_size rounded to 4 decimals).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pack_size', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('pack_price', sa.Numeric(precision=14, scale=4), nullable=True))


def downgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('pack_price')
        batch_op.drop_column('pack_size')
