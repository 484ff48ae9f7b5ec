"""vetting at volume: a vetter's claim on a lead and the first of two approvals (issue 11, items 6
and 7).

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-30 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_leads_claimed_by_id_users'), 'users', ['claimed_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_leads_first_approved_by_id_users'), 'users',
                                    ['first_approved_by_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_leads_claimed_by_id'), ['claimed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_first_approved_by_id'), ['first_approved_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leads_first_approved_by_id'))
        batch_op.drop_index(batch_op.f('ix_leads_claimed_by_id'))
        batch_op.drop_constraint(batch_op.f('fk_leads_first_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_leads_claimed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('first_approved_at')
        batch_op.drop_column('first_approved_by_id')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimed_by_id')
