"""schedules

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 19:20:28.566441
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import bot.db


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_exceptions',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('starts_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recurrence', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('shift', sa.String(length=32), nullable=False),
    sa.Column('per_occurrence', sa.Integer(), nullable=True),
    sa.Column('pool', sa.Text(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('council_id', 'key', name='uq_events_council_key')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_council_id'), ['council_id'], unique=False)

    op.create_table('occurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('original_date', sa.Date(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('starts_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('cancelled_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('changed_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'original_date', name='uq_occurrences_event_date')
    )
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occurrences_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_occurrences_starts_at'), ['starts_at'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('changed_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegates.id'], ),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('occurrence_id', 'delegate_id', name='uq_assignments_occurrence_delegate')
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_delegate_id'), ['delegate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_occurrence_id'), ['occurrence_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_occurrence_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_delegate_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occurrences_starts_at'))
        batch_op.drop_index(batch_op.f('ix_occurrences_event_id'))

    op.drop_table('occurrences')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_council_id'))

    op.drop_table('events')
    op.drop_table('calendar_exceptions')
