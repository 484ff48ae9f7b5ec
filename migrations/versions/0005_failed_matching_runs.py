"""failed matching runs: a run that failed is kept with its error, for the staff plan page

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 10:38:39.036760

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('match_plans', schema=None) as batch_op:
        batch_op.drop_column('error')

