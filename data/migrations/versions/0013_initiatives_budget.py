"""initiatives_budget

Initiatives' dates and quarterly reports, budget lines and their quarterly reports, the cycle's
budget (issue 16).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('procedures_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('procedures', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['programme_cycles.id'], name=op.f('fk_procedures_plan_cycle_id_programme_cycles')),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_procedures_plan_kpi_id_kpis')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedures_plan')),
    sa.UniqueConstraint('cycle_id', 'year', name=op.f('uq_procedures_plan_cycle_id'))
    )
    op.create_table('budget_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('allocated_baisa', sa.BigInteger(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('allocated_baisa >= 0', name=op.f('ck_budget_lines_allocated_not_negative')),
    sa.ForeignKeyConstraint(['cycle_id'], ['programme_cycles.id'], name=op.f('fk_budget_lines_cycle_id_programme_cycles')),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_budget_lines_entity_id_entities')),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_budget_lines_initiative_id_initiatives')),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], name=op.f('fk_budget_lines_track_id_tracks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_lines')),
    sa.UniqueConstraint('cycle_id', 'code', name=op.f('uq_budget_lines_cycle_id'))
    )
    op.create_table('budget_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('budget_line_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('committed_baisa', sa.BigInteger(), nullable=False),
    sa.Column('spent_baisa', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('committed_baisa >= 0 AND spent_baisa >= 0', name=op.f('ck_budget_reports_amounts_not_negative')),
    sa.ForeignKeyConstraint(['budget_line_id'], ['budget_lines.id'], name=op.f('fk_budget_reports_budget_line_id_budget_lines')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_budget_reports_period_id_periods')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_budget_reports_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_reports')),
    sa.UniqueConstraint('submission_id', 'budget_line_id', name=op.f('uq_budget_reports_submission_id'))
    )
    with op.batch_alter_table('budget_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_reports_budget_line_id'), ['budget_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_reports_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_reports_submission_id'), ['submission_id'], unique=False)

    op.create_table('initiative_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('percent_complete', sa.Float(), nullable=False),
    sa.Column('next_milestone', sa.Text(), nullable=False),
    sa.Column('milestone_due', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('percent_complete >= 0 AND percent_complete <= 100', name=op.f('ck_initiative_reports_percent_range')),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_initiative_reports_initiative_id_initiatives')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_initiative_reports_period_id_periods')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_initiative_reports_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_reports')),
    sa.UniqueConstraint('submission_id', 'initiative_id', name=op.f('uq_initiative_reports_submission_id'))
    )
    with op.batch_alter_table('initiative_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_reports_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiative_reports_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiative_reports_submission_id'), ['submission_id'], unique=False)

    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('start', sa.String(length=10), nullable=False, server_default='')
        )
    # an initiative runs from the cycle's first quarter to its due quarter, or the cycle's last
    for column, year, quarter in (('start', 'start_year', 'Q1'), ('due', 'target_year', 'Q4')):
        op.execute(
            f"UPDATE initiatives SET {column} = (SELECT CAST(c.{year} AS VARCHAR(4)) || '-{quarter}'"
            f" FROM programme_cycles c WHERE c.id = initiatives.cycle_id) WHERE {column} = ''"
        )

    with op.batch_alter_table('programme_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('budget_baisa', sa.BigInteger(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('programme_cycles', schema=None) as batch_op:
        batch_op.drop_column('budget_baisa')

    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_column('start')

    with op.batch_alter_table('initiative_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_reports_submission_id'))
        batch_op.drop_index(batch_op.f('ix_initiative_reports_period_id'))
        batch_op.drop_index(batch_op.f('ix_initiative_reports_initiative_id'))

    op.drop_table('initiative_reports')
    with op.batch_alter_table('budget_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_reports_submission_id'))
        batch_op.drop_index(batch_op.f('ix_budget_reports_period_id'))
        batch_op.drop_index(batch_op.f('ix_budget_reports_budget_line_id'))

    op.drop_table('budget_reports')
    op.drop_table('budget_lines')
    op.drop_table('procedures_plan')
