"""stock counts on demand requests (issue 11, item 14): demand_requests.stock_on_hand (units),
stock_counted_on (date) and avg_daily_use (units a day), all nullable; days_of_supply becomes the
days of supply on the count date (domain.stock).

Existing rows keep their stated days of supply and get the UTC date of their creation as the count
date, so that their urgency ages from the day the buyer stated it (12 days stated a week ago are 5
today). Stock and daily use stay empty: nobody counted them. Downgrade drops the three columns; the
stated days of supply are kept as they were.

Revision ID: 0018
Revises: 0016
Create Date: 2026-11-30 10:40:00

"""
from datetime import timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('demand_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stock_on_hand', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('stock_counted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('avg_daily_use', sa.Numeric(16, 4), nullable=True))
    conn = op.get_bind()
    requests = sa.table('demand_requests', sa.column('id', sa.Integer()), sa.column('created_at', sa.DateTime()),
                        sa.column('stock_counted_on', sa.Date()))
    rows = conn.execute(sa.select(requests.c.id, requests.c.created_at)
                        .where(requests.c.stock_counted_on.is_(None))).all()
    # In Python, not SQL: SQLite has no date type to cast to. One UPDATE per distinct date.
    by_date: dict = {}
    for row_id, created_at in rows:
        if created_at is not None:
            if created_at.tzinfo is not None:
                created_at = created_at.astimezone(timezone.utc)
            by_date.setdefault(created_at.date(), []).append(row_id)
    for day, ids in by_date.items():
        for start in range(0, len(ids), 1000):
            conn.execute(requests.update().where(requests.c.id.in_(ids[start:start + 1000]))
                         .values(stock_counted_on=day))


def downgrade():
    with op.batch_alter_table('demand_requests', schema=None) as batch_op:
        batch_op.drop_column('avg_daily_use')
        batch_op.drop_column('stock_counted_on')
        batch_op.drop_column('stock_on_hand')
