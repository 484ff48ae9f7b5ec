"""intake: one-time submission receipts (issue 10, item 10) and CSV import batches (item 11)

- ``submission_receipts``: a create form's ``submission_token`` and what its first POST created,
  unique per (user, token), inserted in the transaction that creates the record.
- ``import_batches``: one CSV file given to import, read by a background job in chunks; unique
  per (uploader, content hash, options), with the job's checkpoint and counters.
- ``import_rows``: what became of each row of a batch (the lead, or why it was rejected), keyed
  by (batch, row number).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'submission_receipts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('location', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'token', name='uq_submission_receipts_user_token'),
    )

    op.create_table(
        'import_batches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('uploader_id', sa.Integer(), nullable=True),
        sa.Column('owner_key', sa.String(length=40), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('stored_name', sa.String(length=80), nullable=False),
        sa.Column('content_sha256', sa.String(length=64), nullable=False),
        sa.Column('options', sa.String(length=64), nullable=False),
        sa.Column('encoding', sa.String(length=40), nullable=True),
        sa.Column('lead_status', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('read_as', sa.String(length=40), nullable=True),
        sa.Column('rows_total', sa.Integer(), nullable=True),
        sa.Column('rows_read', sa.Integer(), nullable=False),
        sa.Column('rows_created', sa.Integer(), nullable=False),
        sa.Column('rows_updated', sa.Integer(), nullable=False),
        sa.Column('rows_unchanged', sa.Integer(), nullable=False),
        sa.Column('rows_rejected', sa.Integer(), nullable=False),
        sa.Column('last_row', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['uploader_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('owner_key', 'content_sha256', 'options', name='uq_import_batches_content'),
    )
    op.create_index('ix_import_batches_status_updated', 'import_batches', ['status', 'updated_at'])
    op.create_index(op.f('ix_import_batches_uploader_id'), 'import_batches', ['uploader_id'])
    op.create_table(
        'import_rows',
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('row_number', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('lead_id', sa.Integer(), nullable=True),
        sa.Column('problems', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id']),
        sa.ForeignKeyConstraint(['lead_id'], ['leads.id']),
        sa.PrimaryKeyConstraint('batch_id', 'row_number'),
    )


def downgrade():
    op.drop_table('import_rows')
    op.drop_index(op.f('ix_import_batches_uploader_id'), table_name='import_batches')
    op.drop_index('ix_import_batches_status_updated', table_name='import_batches')
    op.drop_table('import_batches')
    op.drop_table('submission_receipts')
