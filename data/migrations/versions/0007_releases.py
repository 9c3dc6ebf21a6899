"""releases

Published editions of a quarter and their files (issue 14, item 4).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('audit_seq', sa.Integer(), nullable=False),
    sa.Column('audit_hash', sa.String(length=64), nullable=False),
    sa.Column('data_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_releases_period_id_periods')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_releases_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases')),
    sa.UniqueConstraint('period_id', 'number', name=op.f('uq_releases_period_id'))
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_period_id'), ['period_id'], unique=False)

    op.create_table('release_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=3), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_files_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_files')),
    sa.UniqueConstraint('release_id', 'file_name', name=op.f('uq_release_files_release_id'))
    )
    with op.batch_alter_table('release_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_files_release_id'), ['release_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('release_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_files_release_id'))
    op.drop_table('release_files')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_releases_period_id'))
    op.drop_table('releases')
