"""accounts people can recover (issue 10, item 14): users.email_verified_at

A new account's e-mail address is confirmed by a signed link; until then a supplier's leads are
held out of the vetting queue and a buyer's organisation cannot be verified. Every account that
exists now predates the rule and counts as confirmed: its ``email_verified_at`` is set to its
``created_at``. The downgrade drops the column (nothing else depends on it; held leads are a lead
status, which the downgrade sends to "submitted" so that none is stranded).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_verified_at = created_at WHERE email_verified_at IS NULL")


def downgrade():
    op.execute("UPDATE leads SET status = 'submitted' WHERE status = 'held'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
