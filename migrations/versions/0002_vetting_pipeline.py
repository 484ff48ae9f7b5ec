"""vetting pipeline: normalised leads, blocking keys, duplicate pairs, clusters, scores, flags, messages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 06:18:52.509604

"""
from alembic import op
import sqlalchemy as sa

# Leads awaiting a decision (as in marketplace.domain.lead_status.OPEN_STATUSES at this revision).
OPEN_STATUS_SQL = "status IN ('submitted', 'under_review', 'info_requested', 'escalated')"


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('duplicate_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_duplicate_pairs_decided_by_id_users')),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_duplicate_pairs_lead_id_leads')),
    sa.ForeignKeyConstraint(['other_id'], ['leads.id'], name=op.f('fk_duplicate_pairs_other_id_leads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_pairs')),
    sa.UniqueConstraint('lead_id', 'other_id', name='uq_duplicate_pairs_lead_other')
    )
    with op.batch_alter_table('duplicate_pairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_pairs_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicate_pairs_other_id'), ['other_id'], unique=False)

    op.create_table('lead_block_keys',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_lead_block_keys_lead_id_leads')),
    sa.PrimaryKeyConstraint('key', 'lead_id', name=op.f('pk_lead_block_keys'))
    )
    with op.batch_alter_table('lead_block_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_block_keys_lead_id'), ['lead_id'], unique=False)

    op.create_table('lead_flags',
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('flag', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_lead_flags_lead_id_leads')),
    sa.PrimaryKeyConstraint('lead_id', 'flag', name=op.f('pk_lead_flags'))
    )
    with op.batch_alter_table('lead_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_flags_flag'), ['flag'], unique=False)

    op.create_table('lead_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_lead_messages_author_id_users')),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_lead_messages_lead_id_leads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_messages'))
    )
    with op.batch_alter_table('lead_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_messages_lead_id'), ['lead_id'], unique=False)

    op.create_table('lead_normals',
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('email_domain', sa.String(length=255), nullable=True),
    sa.Column('website_domain', sa.String(length=255), nullable=True),
    sa.Column('webmail', sa.Boolean(), nullable=False),
    sa.Column('domains', sa.String(length=520), nullable=True),
    sa.Column('contact', sa.String(length=120), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('country', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_lead_normals_lead_id_leads')),
    sa.PrimaryKeyConstraint('lead_id', name=op.f('pk_lead_normals'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processing_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('processing_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cluster_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('risk_score', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('queue_score', sa.Integer(), server_default='-1', nullable=False))
        batch_op.add_column(sa.Column('risk_signals', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('reference_version', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decision_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_leads_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index('ix_leads_queue', ['status', 'queue_score', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_leads_open_queue', ['queue_score', 'created_at', 'id'], unique=False,
                              postgresql_where=sa.text(OPEN_STATUS_SQL), sqlite_where=sa.text(OPEN_STATUS_SQL))
        batch_op.create_foreign_key(batch_op.f('fk_leads_decided_by_id_users'), 'users', ['decided_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_leads_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_index('ix_leads_open_queue')
        batch_op.drop_index('ix_leads_queue')
        batch_op.drop_index(batch_op.f('ix_leads_cluster_id'))
        batch_op.drop_column('decision_reason')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('reference_version')
        batch_op.drop_column('risk_signals')
        batch_op.drop_column('queue_score')
        batch_op.drop_column('risk_score')
        batch_op.drop_column('cluster_id')
        batch_op.drop_column('processed_at')
        batch_op.drop_column('processing_error')
        batch_op.drop_column('processing_attempts')

    op.drop_table('lead_normals')
    with op.batch_alter_table('lead_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_messages_lead_id'))

    op.drop_table('lead_messages')
    with op.batch_alter_table('lead_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_flags_flag'))

    op.drop_table('lead_flags')
    with op.batch_alter_table('lead_block_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_block_keys_lead_id'))

    op.drop_table('lead_block_keys')
    with op.batch_alter_table('duplicate_pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_pairs_other_id'))
        batch_op.drop_index(batch_op.f('ix_duplicate_pairs_lead_id'))

    op.drop_table('duplicate_pairs')
