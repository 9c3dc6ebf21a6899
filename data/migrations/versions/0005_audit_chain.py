"""audit chain

Hash-chained audit events; the store refuses UPDATE and DELETE of events (issue 12, item 8).
Existing events are chained in the order they were written (id).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data.audit import CHAINED, GENESIS, link_hash

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TYPES = {'at': sa.DateTime(), 'before': sa.JSON(), 'after': sa.JSON()}
REFUSE = "audit events are append-only: they cannot be changed or deleted"
# Batch operations on SQLite copy the table and lose its triggers: a later migration that
# batch-alters audit_events must create them again (see _sqlite_triggers).


def upgrade() -> None:
    head = op.create_table(
        'audit_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head')),
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    seq, last_hash, last_at = _chain_existing_events()
    op.bulk_insert(head, [{'id': 1, 'seq': seq, 'hash': last_hash, 'at': last_at}])
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
    if op.get_bind().dialect.name == 'postgresql':
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _chain_existing_events():
    connection = op.get_bind()
    events = sa.table(
        'audit_events',
        sa.column('id'),
        sa.column('seq'),
        sa.column('prev_hash'),
        sa.column('hash'),
        *(sa.column(name, TYPES.get(name)) for name in CHAINED if name != 'seq'),
    )
    rows = connection.execute(
        sa.select(*(events.c[name] for name in ('id', *CHAINED) if name != 'seq'))
        .order_by(events.c.id)
    ).mappings().all()
    previous, seq, at = GENESIS, 0, None
    updates = []
    for row in rows:
        seq += 1
        event = {**row, 'seq': seq}
        current = link_hash(previous, event)
        updates.append({'event_id': row['id'], 'seq': seq, 'prev_hash': previous, 'hash': current})
        previous, at = current, row['at']
    if updates:
        connection.execute(
            events.update()
            .where(events.c.id == sa.bindparam('event_id'))
            .values(seq=sa.bindparam('seq'), prev_hash=sa.bindparam('prev_hash'),
                    hash=sa.bindparam('hash')),
            updates,
        )
    return seq, previous, at


def _postgresql_triggers() -> None:
    op.execute(f"""
        CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{REFUSE}' USING ERRCODE = 'insufficient_privilege';
        END
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
    """)
    op.execute("""
        CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
    """)


def _sqlite_triggers() -> None:
    for verb in ('UPDATE', 'DELETE'):
        op.execute(f"""
            CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events
            BEGIN SELECT RAISE(ABORT, '{REFUSE}'); END
        """)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
    op.drop_table('audit_head')
