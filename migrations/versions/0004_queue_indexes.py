"""queue indexes: the vetting queue's orders for all and for open leads, flags by code with their lead, trigram search of company names (PostgreSQL), the newest decision

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 10:02:41.118302

"""
from alembic import op
import sqlalchemy as sa

# Leads awaiting a decision (as in marketplace.domain.lead_status.OPEN_STATUSES at this revision).
OPEN_STATUS_SQL = "status IN ('submitted', 'under_review', 'info_requested', 'escalated')"


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    # Open leads: best score first (the default page), oldest and newest first; the partial indexes
    # also carry the product and supplier type, so that counting a filter reads no table rows.
    op.create_index('ix_leads_open_best', 'leads', [sa.text('queue_score DESC'), 'created_at', 'id'], unique=False,
                    postgresql_where=sa.text(OPEN_STATUS_SQL), sqlite_where=sa.text(OPEN_STATUS_SQL),
                    postgresql_include=['product_category', 'supplier_type'])
    op.create_index('ix_leads_open_created', 'leads', ['created_at', 'id'], unique=False,
                    postgresql_where=sa.text(OPEN_STATUS_SQL), sqlite_where=sa.text(OPEN_STATUS_SQL),
                    postgresql_include=['product_category', 'supplier_type'])
    # All leads, in each order of the queue.
    op.create_index('ix_leads_best', 'leads', [sa.text('queue_score DESC'), 'created_at', 'id'], unique=False,
                    postgresql_include=['product_category', 'supplier_type'])
    op.create_index('ix_leads_score', 'leads', ['queue_score', 'created_at', 'id'], unique=False)
    op.create_index('ix_leads_created', 'leads', ['created_at', 'id'], unique=False)
    # The newest vetting decision (the sweeper's "did supply change after the newest plan?").
    op.create_index('ix_leads_decided_at', 'leads', ['decided_at'], unique=False)
    # The leads with a flag, from the index alone.
    op.drop_index('ix_lead_flags_flag', table_name='lead_flags')
    op.create_index('ix_lead_flags_flag_lead', 'lead_flags', ['flag', 'lead_id'], unique=False)
    if postgresql:
        # pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database's owner
        # may create it. It makes lower(company_name) LIKE '%term%' an index search.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_leads_company_name_trgm ON leads USING gin (lower(company_name) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_leads_company_name_trgm")
    op.drop_index('ix_lead_flags_flag_lead', table_name='lead_flags')
    op.create_index('ix_lead_flags_flag', 'lead_flags', ['flag'], unique=False)
    op.drop_index('ix_leads_decided_at', table_name='leads')
    op.drop_index('ix_leads_created', table_name='leads')
    op.drop_index('ix_leads_score', table_name='leads')
    op.drop_index('ix_leads_best', table_name='leads')
    op.drop_index('ix_leads_open_created', table_name='leads')
    op.drop_index('ix_leads_open_best', table_name='leads')
