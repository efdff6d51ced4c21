"""council names, levels, parents; delegates' titles, groups and committees; albums

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 07:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('councils', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_councils_parent_id_councils', 'councils', ['parent_id'], ['id']
        )
    with op.batch_alter_table('delegates', schema=None) as batch_op:
        for name in ('title', 'group_name', 'committee'):
            batch_op.add_column(
                sa.Column(name, sa.String(length=255), nullable=False, server_default='')
            )
        batch_op.add_column(
            sa.Column(
                'standing_committee', sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('album_message_ids', sa.Text(), nullable=True))
    # Existing councils take the level their delegates were imported with.
    op.execute(
        "UPDATE councils SET level = (SELECT MIN(d.level) FROM delegates d "
        "WHERE d.council_id = councils.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_column('album_message_ids')
    with op.batch_alter_table('delegates', schema=None) as batch_op:
        for name in ('standing_committee', 'committee', 'group_name', 'title'):
            batch_op.drop_column(name)
    with op.batch_alter_table('councils', schema=None) as batch_op:
        batch_op.drop_constraint('fk_councils_parent_id_councils', type_='foreignkey')
        batch_op.drop_column('parent_id')
        batch_op.drop_column('level')
