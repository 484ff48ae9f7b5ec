"""the control tower's summary snapshot (issue 12, items 1 and 2): summary_snapshots holds the
dashboard's and the public needs board's figures, counted by a job, so the pages read one row.

Revision ID: 0020
Revises: 0016 (the head of main when this branch was made; the coordinator re-chains)
Create Date: 2026-11-30 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'summary_snapshots',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
    )
    op.create_index('ix_summary_snapshots_computed_at', 'summary_snapshots', ['computed_at'])


def downgrade():
    op.drop_index('ix_summary_snapshots_computed_at', table_name='summary_snapshots')
    op.drop_table('summary_snapshots')
