"""a buyer facility's delivery details and licence (issue 11, item 8): organisations.street, city,
state, postal_code, phone, licence_kind ('npi' or 'state_licence'), licence_number,
delivery_hours, delivery_contact. All nullable: organisations made before this (and supplier
organisations) have none; the pages say "not given".

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 09:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

COLUMNS = (('street', 200), ('city', 100), ('state', 100), ('postal_code', 20), ('phone', 40),
           ('licence_kind', 16), ('licence_number', 50), ('delivery_hours', 200), ('delivery_contact', 120))


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length), nullable=True))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        for name, _length in reversed(COLUMNS):
            batch_op.drop_column(name)
