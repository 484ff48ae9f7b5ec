"""an Idempotency-Key's request fingerprint: submission_receipts.fingerprint (hex SHA-256 of the
method, path and canonical body of the API request that wrote the receipt, domain.idempotency),
so a key reused with a different request is refused (422) instead of replaying the first result.
Nullable: receipts written before, and the pages' one-time form tokens, have none and replay as
before. Downgrade drops the column.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission_receipts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('submission_receipts', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
