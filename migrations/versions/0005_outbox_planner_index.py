"""outbox planner index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 20:30:26.172635
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import bot.db


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_assignment_id'))
        batch_op.create_index('ix_outbox_assignment_kind', ['assignment_id', 'kind'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_assignment_kind')
        batch_op.create_index(batch_op.f('ix_outbox_assignment_id'), ['assignment_id'], unique=False)

