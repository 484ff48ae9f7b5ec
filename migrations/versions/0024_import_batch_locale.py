"""the language an import is reported in (issue 13): import_batches.locale, the language of the
person who started it ("en" or "es", nullable: English). The job writes the file's refusal and
the rejected rows' messages in it. Downgrade drops the column.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_column('locale')
