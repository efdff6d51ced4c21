"""outbox failure reason

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 05:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The classes the dispatcher wrote as text into last_error until now. Rows that were
# missed or cancelled did not fail: they keep no reason.
BACKFILL = """
UPDATE outbox SET failure_reason = CASE
    WHEN last_error = 'unreachable' THEN 'unreachable'
    WHEN last_error LIKE 'blocked:%' THEN 'blocked'
    WHEN last_error LIKE 'rejected:%' THEN 'rejected'
    WHEN last_error = 'not linked' THEN 'not_linked'
    WHEN last_error = 'inactive' THEN 'inactive'
    WHEN last_error = 'no recipient' THEN 'no_recipient'
    WHEN last_error LIKE '429 retry after%' THEN 'rate_limited'
    WHEN last_error LIKE 'timed out%' THEN 'uncertain'
    WHEN last_error LIKE 'gave up:%' THEN 'uncertain'
    ELSE 'transient'
END
WHERE last_error IS NOT NULL AND status NOT IN ('missed', 'cancelled')
"""


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failure_reason', sa.String(length=16), nullable=True))
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('failure_reason')
