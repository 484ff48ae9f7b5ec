"""staff's daily digest (issue 11, item 1): users.mail_digest (one e-mail a day of the day's
notifications instead of one each) and users.digest_through (notifications up to this moment were
sent in a digest: a second run sends none of them again).

Revision ID: 0014
Revises: 0011 (the head of main when this branch was made; the coordinator re-chains)
Create Date: 2026-11-30 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_digest', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('digest_through', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest_through')
        batch_op.drop_column('mail_digest')
