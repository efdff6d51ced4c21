"""broadcast notices kept at arrival (a deleted original is sent from them)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 07:05:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'broadcast_notices',
        sa.Column('broadcast_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('entities', sa.Text(), nullable=False),
        sa.Column('file_id', sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id']),
        sa.PrimaryKeyConstraint('broadcast_id'),
    )


def downgrade() -> None:
    op.drop_table('broadcast_notices')
