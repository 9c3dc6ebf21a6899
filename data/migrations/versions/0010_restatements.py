"""restatements

Restated baselines and targets with the period they apply from (issue 15, item 1: KPI definitions).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('kpi_definitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_from', sa.String(length=7), nullable=True))
    # the definitions so far (the reference catalogue's) apply from their cycle's first quarter
    op.execute(
        "UPDATE kpi_definitions SET effective_from = ("
        "SELECT CAST(programme_cycles.start_year AS VARCHAR(4)) || '-Q1' "
        "FROM kpis JOIN programme_cycles ON programme_cycles.id = kpis.cycle_id "
        "WHERE kpis.id = kpi_definitions.kpi_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table('kpi_definitions', schema=None) as batch_op:
        batch_op.drop_column('effective_from')
