"""a demand request's free-text specification (issue 11, item 12): demand_requests.specification,
up to 500 characters, nullable (requests made before this have none).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 09:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('demand_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('specification', sa.String(500), nullable=True))


def downgrade():
    with op.batch_alter_table('demand_requests', schema=None) as batch_op:
        batch_op.drop_column('specification')
