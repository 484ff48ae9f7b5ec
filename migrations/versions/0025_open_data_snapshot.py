"""the open-data daily table as a job-computed snapshot (issue 12 leftover): summary_snapshots gets a
``kind`` ("dashboard", the rows so far; "open_data", the public daily table), and its index covers
the newest row of a kind. Downgrade deletes the open-data rows and drops the column.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('summary_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='dashboard', nullable=False))
        batch_op.drop_index('ix_summary_snapshots_computed_at')
        batch_op.create_index('ix_summary_snapshots_kind_computed_at', ['kind', 'computed_at'])


def downgrade():
    op.execute("DELETE FROM summary_snapshots WHERE kind <> 'dashboard'")
    with op.batch_alter_table('summary_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_summary_snapshots_kind_computed_at')
        batch_op.create_index('ix_summary_snapshots_computed_at', ['computed_at'])
        batch_op.drop_column('kind')
