"""A dispatcher batch is one unit of work: one session loads what every row of the batch
needs, and the report prompts of a batch cost a fixed number of queries, not a few per
assignment."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import SessionFactory
from bot.domain.reports import Figures
from bot.models import Assignment, OutboxMessage
from bot.services.outbox.rows import OutboxKind, OutboxStatus
from bot.services.reports.records import ReportDraft, SaveStatus, save_report
from bot.services.schedule.imports import import_schedule
from jobs.dispatcher import Dispatcher
from jobs.registry import REGISTRY
from tests.factories import add_delegate, in_session
from tests.jobs.test_dispatcher import ZONE, ScriptedNotifier

NOW = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
CODES = [f"ML-{n:03d}" for n in range(1, 6)]


async def receptions(session_factory: SessionFactory, tmp_path: Path) -> list[Assignment]:
    """Two ended receptions: three delegates at the first, two at the second; the
    first's figures are carried by ML-001's report."""
    for number, code in enumerate(CODES):
        await add_delegate(session_factory, code, full_name=f"Đại biểu {number}",
                           telegram_user_id=1000 + number)  # fmt: skip
    path = tmp_path / "s.csv"
    path.write_text(
        "kind,title,starts_at,ends_at,location,council,delegates\n"
        "reception,Tiếp dân,2026-12-08 07:30,2026-12-08 11:00,Trụ sở xã,HDND-ML,"
        "ML-001;ML-002;ML-003\n"
        "reception,Tiếp dân tháng 12,2026-12-09 07:30,2026-12-09 11:00,,HDND-ML,ML-004;ML-005\n",
        encoding="utf-8",
    )
    result = await in_session(
        session_factory,
        import_schedule,
        path=path,
        now=NOW - timedelta(days=5),
        zone=ZONE,
        dry_run=False,
    )
    assert result.problems == []
    async with session_factory() as session:
        assignments = list(
            (await session.exec(select(Assignment).order_by(col(Assignment.id)))).all()
        )
    saved = await in_session(
        session_factory,
        save_report,
        assignment_id=assignments[0].id or 0,
        delegate_ids=[assignments[0].delegate_id],
        draft=ReportDraft(held=True, figures=Figures(citizens=4, petitions=1, forwarded=0)),
        actor="test",
        now=NOW,
    )
    assert saved.status is SaveStatus.saved
    return assignments


def prompt_rows(assignments: list[Assignment]) -> list[OutboxMessage]:
    return [
        OutboxMessage(
            id=number,
            kind=OutboxKind.report_prompt.value,
            dedupe_key=f"p{number}",
            delegate_id=assignment.delegate_id,
            assignment_id=assignment.id,
            due_at=NOW,
            status=OutboxStatus.sending.value,
            payload='{"step": "prompt"}',
            created_at=NOW,
            updated_at=NOW,
        )
        for number, assignment in enumerate(assignments, start=1)
    ]


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


class CountingSessions:
    """The session factory, counting the sessions opened."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self.opened = 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        self.opened += 1
        async with self.sessions() as session:
            yield session


async def test_report_prompts_of_a_batch_load_in_three_queries(
    session_factory: SessionFactory, engine: AsyncEngine, tmp_path: Path
) -> None:
    assignments = await receptions(session_factory, tmp_path)
    load = REGISTRY[OutboxKind.report_prompt].load
    async with session_factory() as session:
        with statements(engine) as seen:
            targets = await load(session, prompt_rows(assignments), ZONE)
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3, selects  # assignments, their occurrences' reports, carriers
    assert sorted(targets) == sorted(a.id for a in assignments if a.id is not None)
    assert targets[assignments[1].id or 0].carrier_name == "Đại biểu 0"
    assert targets[assignments[0].id or 0].report is not None


async def test_a_batch_of_every_kind_is_loaded_in_one_session(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    assignments = await receptions(session_factory, tmp_path)
    rows = prompt_rows(assignments)
    mixed = [
        (OutboxKind.reminder, "{}"),
        (OutboxKind.digest, '{"day": "2026-12-08"}'),
        (OutboxKind.broadcast, '{"broadcast": 1}'),
        (OutboxKind.summary, '{"councils": [1], "since": "2026-12-09T00:00:00+00:00"}'),
    ]
    for number, (kind, payload) in enumerate(mixed, start=len(rows) + 1):
        rows.append(
            OutboxMessage(
                id=number,
                kind=kind.value,
                dedupe_key=f"k{number}",
                payload=payload,
                delegate_id=assignments[0].delegate_id,
                assignment_id=assignments[0].id,
                due_at=NOW,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    sessions = CountingSessions(session_factory)
    dispatcher = Dispatcher(session_factory=sessions,  # type: ignore[arg-type]
                            notifier=ScriptedNotifier(), zone=ZONE, clock=lambda: NOW,
                            owner="me", registry=REGISTRY)  # fmt: skip
    context = await dispatcher._context(rows)
    assert sessions.opened == 1
    assert not context.failed
    assert set(context.by_kind) == {OutboxKind.report_prompt, *(kind for kind, _p in mixed)}
    assert len(context.by_kind[OutboxKind.report_prompt]) == len(assignments)
    assert set(context.delegates) == {a.delegate_id for a in assignments}
