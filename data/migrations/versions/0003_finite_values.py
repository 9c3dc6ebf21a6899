"""finite values

Only real numbers in the store: CHECK constraints on observations (issue 12, item 2).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data.models import finite

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("value", "numerator", "denominator")


def upgrade() -> None:
    """New rows must be finite. Rows already there are kept as they are, whatever they hold
    (nothing is ever deleted): the pages show such a figure as invalid and leave it out
    (kpis.values). PostgreSQL: a check stays NOT VALID (existing rows unchecked) only where such
    rows exist; SQLite rebuilds the table (batch mode) with the checks off while it copies the
    rows."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for column in COLUMNS:
            name = f"ck_observations_{column}_finite"
            op.execute(
                f"ALTER TABLE observations ADD CONSTRAINT {name} CHECK ({finite(column)}) NOT VALID"
            )
            legacy = f"SELECT count(*) FROM observations WHERE NOT ({finite(column)})"
            if not bind.execute(sa.text(legacy)).scalar():  # the usual case: a clean store
                op.execute(f"ALTER TABLE observations VALIDATE CONSTRAINT {name}")
        return
    op.execute("PRAGMA ignore_check_constraints = ON")
    with op.batch_alter_table("observations") as batch_op:
        for column in COLUMNS:
            batch_op.create_check_constraint(f"{column}_finite", finite(column))
    op.execute("PRAGMA ignore_check_constraints = OFF")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:
            op.execute(f"ALTER TABLE observations DROP CONSTRAINT ck_observations_{column}_finite")
        return
    with op.batch_alter_table("observations") as batch_op:
        for column in COLUMNS:
            batch_op.drop_constraint(op.f(f"ck_observations_{column}_finite"), type_="check")
