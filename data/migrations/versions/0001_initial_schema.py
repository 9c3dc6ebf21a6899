"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 19:56:49.457143
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('entities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_ar', sa.String(length=200), nullable=False),
    sa.Column('website', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entities')),
    sa.UniqueConstraint('code', name=op.f('uq_entities_code'))
    )
    op.create_table('international_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('name_ar', sa.Text(), nullable=False),
    sa.Column('measure', sa.String(length=10), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_international_indicators')),
    sa.UniqueConstraint('code', name=op.f('uq_international_indicators_code'))
    )
    op.create_table('programme_cycles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_ar', sa.String(length=200), nullable=False),
    sa.Column('baseline_year', sa.Integer(), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('target_year', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_cycles')),
    sa.UniqueConstraint('code', name=op.f('uq_programme_cycles_code'))
    )
    op.create_table('roles',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('name_ar', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_roles'))
    )
    op.bulk_insert(
        sa.table("roles", sa.column("code"), sa.column("name_en"), sa.column("name_ar")),
        [
            {"code": "admin", "name_en": "Administrator", "name_ar": "مدير النظام"},
            {"code": "supervisor", "name_en": "Programme office", "name_ar": "مكتب البرنامج"},
            {"code": "committee", "name_en": "Committee member", "name_ar": "عضو اللجنة"},
            {"code": "entity", "name_en": "Entity team", "name_ar": "فريق الجهة"},
        ],
    )
    op.create_table('tracks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_ar', sa.String(length=200), nullable=False),
    sa.Column('focus_en', sa.Text(), nullable=False),
    sa.Column('focus_ar', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['programme_cycles.id'], name=op.f('fk_tracks_cycle_id_programme_cycles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracks')),
    sa.UniqueConstraint('cycle_id', 'code', name=op.f('uq_tracks_cycle_id'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_users_entity_id_entities')),
    sa.ForeignKeyConstraint(['role'], ['roles.code'], name=op.f('fk_users_role_roles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('object_type', sa.String(length=50), nullable=False),
    sa.Column('object_id', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_audit_events_entity_id_entities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_user_id'), ['user_id'], unique=False)

    op.create_table('initiatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('name_ar', sa.Text(), nullable=False),
    sa.Column('lead_entity_id', sa.Integer(), nullable=True),
    sa.Column('due', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['programme_cycles.id'], name=op.f('fk_initiatives_cycle_id_programme_cycles')),
    sa.ForeignKeyConstraint(['lead_entity_id'], ['entities.id'], name=op.f('fk_initiatives_lead_entity_id_entities')),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], name=op.f('fk_initiatives_track_id_tracks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiatives')),
    sa.UniqueConstraint('cycle_id', 'code', name=op.f('uq_initiatives_cycle_id'))
    )
    op.create_table('kpis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('name_ar', sa.Text(), nullable=False),
    sa.Column('definition_en', sa.Text(), nullable=False),
    sa.Column('definition_ar', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('aggregation', sa.String(length=30), nullable=False),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('owner_entity_id', sa.Integer(), nullable=True),
    sa.Column('tolerance', sa.Float(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['programme_cycles.id'], name=op.f('fk_kpis_cycle_id_programme_cycles')),
    sa.ForeignKeyConstraint(['owner_entity_id'], ['entities.id'], name=op.f('fk_kpis_owner_entity_id_entities')),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], name=op.f('fk_kpis_track_id_tracks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpis')),
    sa.UniqueConstraint('cycle_id', 'code', name=op.f('uq_kpis_cycle_id'))
    )
    op.create_table('periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=7), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.Column('locked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['locked_by_id'], ['users.id'], name=op.f('fk_periods_locked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_periods')),
    sa.UniqueConstraint('code', name=op.f('uq_periods_code'))
    )
    op.create_table('entity_kpis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('baseline_value', sa.Float(), nullable=True),
    sa.Column('target_value', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_entity_kpis_entity_id_entities')),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_entity_kpis_kpi_id_kpis')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entity_kpis')),
    sa.UniqueConstraint('entity_id', 'kpi_id', name=op.f('uq_entity_kpis_entity_id'))
    )
    op.create_table('interim_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_interim_targets_kpi_id_kpis')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interim_targets')),
    sa.UniqueConstraint('kpi_id', 'year', name=op.f('uq_interim_targets_kpi_id'))
    )
    op.create_table('kpi_definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('baseline_value', sa.Float(), nullable=True),
    sa.Column('baseline_year', sa.Integer(), nullable=True),
    sa.Column('target_value', sa.Float(), nullable=True),
    sa.Column('target_year', sa.Integer(), nullable=True),
    sa.Column('target_comparator', sa.String(length=2), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_kpi_definitions_kpi_id_kpis')),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_kpi_definitions_set_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_definitions')),
    sa.UniqueConstraint('kpi_id', 'version', name=op.f('uq_kpi_definitions_kpi_id'))
    )
    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_submissions_entity_id_entities')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_submissions_period_id_periods')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_submissions_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['submissions.id'], name=op.f('fk_submissions_supersedes_id_submissions')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_submissions_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions'))
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_file_sha256'), ['file_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_period_id'), ['period_id'], unique=False)

    op.create_table('observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('evidence_link', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_observations_entity_id_entities')),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_observations_kpi_id_kpis')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_observations_period_id_periods')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_observations_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observations')),
    sa.UniqueConstraint('submission_id', 'kpi_id', 'period_id', name=op.f('uq_observations_submission_id'))
    )
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observations_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observations_kpi_id'), ['kpi_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observations_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observations_submission_id'), ['submission_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observations_submission_id'))
        batch_op.drop_index(batch_op.f('ix_observations_period_id'))
        batch_op.drop_index(batch_op.f('ix_observations_kpi_id'))
        batch_op.drop_index(batch_op.f('ix_observations_entity_id'))

    op.drop_table('observations')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_period_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_file_sha256'))
        batch_op.drop_index(batch_op.f('ix_submissions_entity_id'))

    op.drop_table('submissions')
    op.drop_table('kpi_definitions')
    op.drop_table('interim_targets')
    op.drop_table('entity_kpis')
    op.drop_table('periods')
    op.drop_table('kpis')
    op.drop_table('initiatives')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_entity_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    op.drop_table('users')
    op.drop_table('tracks')
    op.drop_table('roles')
    op.drop_table('programme_cycles')
    op.drop_table('international_indicators')
    op.drop_table('entities')
