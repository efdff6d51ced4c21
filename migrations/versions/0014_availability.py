"""availability: absences, released assignments, stand-in offers, session answers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 07:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import bot.db


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('absences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegates.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_absences_delegate_id'), ['delegate_id'], unique=False)

    op.create_table('assignment_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('absence_id', sa.Integer(), nullable=True),
    sa.Column('released_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('taken_by', sa.Integer(), nullable=True),
    sa.Column('taken_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('assigned_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('stand_in_assignment_id', sa.Integer(), nullable=True),
    sa.Column('escalations', sa.Integer(), nullable=False),
    sa.Column('escalated_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['absence_id'], ['absences.id'], ),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], ),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegates.id'], ),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], ),
    sa.ForeignKeyConstraint(['stand_in_assignment_id'], ['assignments.id'], ),
    sa.ForeignKeyConstraint(['taken_by'], ['delegates.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assignment_id', name='uq_releases_assignment')
    )
    with op.batch_alter_table('assignment_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_releases_delegate_id'), ['delegate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_releases_occurrence_id'), ['occurrence_id'], unique=False)

    op.create_table('session_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('absence_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['absence_id'], ['absences.id'], ),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], ),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegates.id'], ),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assignment_id', name='uq_session_answers_assignment')
    )
    with op.batch_alter_table('session_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_answers_delegate_id'), ['delegate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_answers_occurrence_id'), ['occurrence_id'], unique=False)

    op.create_table('substitute_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('offered_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegates.id'], ),
    sa.ForeignKeyConstraint(['release_id'], ['assignment_releases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('release_id', 'delegate_id', name='uq_offers_release_delegate')
    )
    with op.batch_alter_table('substitute_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_substitute_offers_delegate_id'), ['delegate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_substitute_offers_release_id'), ['release_id'], unique=False)


def downgrade() -> None:
    op.drop_table('substitute_offers')
    op.drop_table('session_answers')
    op.drop_table('assignment_releases')
    op.drop_table('absences')
