"""summaries

Per view, KPI and period, the sums national figures are computed from (data/summary.py), filled
from the figures already stored (issue 17).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('kpi_summaries',
    sa.Column('view', sa.String(length=10), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('reported', sa.Integer(), nullable=False),
    sa.Column('invalid', sa.Integer(), nullable=False),
    sa.Column('ratio_numerator', sa.Float(), nullable=False),
    sa.Column('ratio_denominator', sa.Float(), nullable=False),
    sa.Column('ratio_count', sa.Integer(), nullable=False),
    sa.Column('value_sum', sa.Float(), nullable=False),
    sa.Column('value_count', sa.Integer(), nullable=False),
    sa.Column('positive_count', sa.Integer(), nullable=False),
    sa.Column('latest_value', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_kpi_summaries_kpi_id_kpis')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_kpi_summaries_period_id_periods')),
    sa.PrimaryKeyConstraint('view', 'kpi_id', 'period_id', name=op.f('pk_kpi_summaries'))
    )
    # the figures already stored: the same recomputation the app makes where data changes
    from data.summary import rebuild

    with Session(bind=op.get_bind()) as session:
        rebuild(session)


def downgrade() -> None:
    op.drop_table('kpi_summaries')
