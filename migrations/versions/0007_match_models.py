"""lead-match weights fitted from the data: versioned models, and the version on each pair

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'match_models',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('trigger', sa.String(length=120), nullable=False),
        sa.Column('fitted', sa.Boolean(), nullable=False),
        sa.Column('n_leads', sa.Integer(), nullable=False),
        sa.Column('max_lead_id', sa.Integer(), nullable=False),
        sa.Column('n_pairs', sa.Integer(), nullable=False),
        sa.Column('match_share', sa.Float(), nullable=True),
        sa.Column('iterations', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('parameters', sa.JSON(), nullable=False),
        sa.Column('term_frequencies', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('duplicate_pairs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('model_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('duplicate_pairs', schema=None) as batch_op:
        batch_op.drop_column('model_version')
    op.drop_table('match_models')
