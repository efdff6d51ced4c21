"""outbox rows no longer check their assignment and delegate as foreign keys

Every new outbox row paid two foreign-key lookups (``SELECT … FOR KEY SHARE`` on
PostgreSQL, which also locks, and so dirties, the assignment's and the delegate's page):
about 38 % of the server's time in ``EXPLAIN ANALYZE`` at 20,000 delegates; without them
the whole quarter at 100,000 delegates planned in 28.0 s instead of 48.3 s (issue 18,
item 12; bench/README.md). Assignments and delegates are never deleted (a guard test,
``tests/test_never_deleted.py``, keeps it so), and the planner takes both ids from a
join on the rows themselves, so the check guarded nothing.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 12:50:00
"""
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite keeps foreign keys unnamed: batch mode names them by this convention so that
# they can be dropped (Alembic's documented recipe).
_SQLITE_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
_FOREIGN_KEYS = (("assignment_id", "assignments"), ("delegate_id", "delegates"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for column, _table in _FOREIGN_KEYS:
            op.drop_constraint(f"outbox_{column}_fkey", "outbox", type_="foreignkey")
        return
    with _children_of_outbox_set_aside():
        with op.batch_alter_table(
            "outbox", recreate="always", naming_convention=_SQLITE_NAMES
        ) as batch_op:
            for column, table in _FOREIGN_KEYS:
                batch_op.drop_constraint(f"fk_outbox_{column}_{table}", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for column, table in _FOREIGN_KEYS:
            op.create_foreign_key(f"outbox_{column}_fkey", "outbox", table, [column], ["id"])
        return
    with _children_of_outbox_set_aside():
        with op.batch_alter_table("outbox", recreate="always") as batch_op:
            for column, table in _FOREIGN_KEYS:
                batch_op.create_foreign_key(f"fk_outbox_{column}_{table}", table, [column], ["id"])


@contextmanager
def _children_of_outbox_set_aside() -> Iterator[None]:
    """Batch mode drops the old ``outbox``; with foreign keys enforced (``bot.db`` turns
    them on, and a pragma cannot change inside the migration's transaction) that DROP
    fails while ``broadcast_recipients`` rows point at it. Their rows wait in a
    temporary table meanwhile and come back unchanged: the ids are copied as they are.

    The copy is an INSERT, not ``CREATE TABLE … AS SELECT``: Python's sqlite3 opens the
    transaction at the first INSERT, DELETE or UPDATE, so the copy and the DELETE are one
    unit (a row another process adds meanwhile is either in both or in neither). The
    table is emptied by a failed run's rollback and dropped whatever happens, so a second
    attempt on the same connection starts clean."""
    op.execute(sa.text("DROP TABLE IF EXISTS temp.outbox_children"))
    op.execute(sa.text(
        "CREATE TEMP TABLE outbox_children AS SELECT * FROM broadcast_recipients WHERE 0"
    ))
    try:
        op.execute(sa.text("INSERT INTO temp.outbox_children SELECT * FROM broadcast_recipients"))
        op.execute(sa.text("DELETE FROM broadcast_recipients"))
        yield
        op.execute(sa.text("INSERT INTO broadcast_recipients SELECT * FROM temp.outbox_children"))
    finally:
        op.execute(sa.text("DROP TABLE IF EXISTS temp.outbox_children"))
