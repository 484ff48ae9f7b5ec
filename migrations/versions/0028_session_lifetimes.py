"""sessions that end: user_sessions.last_seen_at (when the browser last used the session, written
at most once a minute; NULL: not since it was made) and user_sessions.remembered ("Keep me signed
in": the longer absolute lifetime). Sessions made before count as not remembered and as last used
when made, so after the upgrade the older ones end by the same rules (domain.sessions). Downgrade
drops both columns.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('remembered', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_column('remembered')
        batch_op.drop_column('last_seen_at')
