"""a person's language (issue 13): users.locale ("en" or "es", nullable: until they choose, pages
follow the browser's Accept-Language). Downgrade drops the column (the choices are lost).

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
