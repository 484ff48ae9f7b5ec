"""organisation join requests: a person who registers with the name of an existing organisation
asks to join it instead of creating a twin (issue 10, item 1); an admin or a member of that
verified organisation approves or refuses.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-30 07:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation_join_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('name_given', sa.String(length=200), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organisation_join_requests_user_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_organisation_join_requests_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                            name=op.f('fk_organisation_join_requests_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_join_requests'))
    )
    with op.batch_alter_table('organisation_join_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_join_requests_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_join_requests_organisation_id'), ['organisation_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('organisation_join_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_join_requests_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_join_requests_user_id'))
    op.drop_table('organisation_join_requests')
