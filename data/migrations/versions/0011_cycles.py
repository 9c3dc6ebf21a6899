"""cycles

Programme cycles after the first; KPIs that continue from one cycle to the next (issue 15, item 2).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A KPI may continue one of the cycle before (`python -m data import-cycle`)."""
    with op.batch_alter_table("kpis") as batch_op:
        batch_op.add_column(sa.Column("continues_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_kpis_continues_id_kpis"), "kpis", ["continues_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("kpis") as batch_op:
        batch_op.drop_constraint(op.f("fk_kpis_continues_id_kpis"), type_="foreignkey")
        batch_op.drop_column("continues_id")
