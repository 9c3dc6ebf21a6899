"""entities_admin

Entities from the quarter they first report; entity KPI assignments (issue 15, item 1: entities).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('entities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_period', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('deactivated_from', sa.String(length=7), nullable=True))
    # the entities known so far report from the first quarter of the first cycle
    op.execute(
        "UPDATE entities SET first_period = ("
        "SELECT CAST(MIN(start_year) AS VARCHAR(4)) || '-Q1' FROM programme_cycles) "
        "WHERE EXISTS (SELECT 1 FROM programme_cycles)"
    )


def downgrade() -> None:
    with op.batch_alter_table('entities', schema=None) as batch_op:
        batch_op.drop_column('deactivated_from')
        batch_op.drop_column('first_period')
