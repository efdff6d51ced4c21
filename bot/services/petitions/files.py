"""``petitions import`` and ``petitions export``: the register as a file.

Upsert by council + ``ref``; all or nothing (any problem, nothing written). An answer
recorded by file tells the receiving delegate, as one recorded in the bot does. The
export writes the import's columns with English values and ISO dates, so an export
imports again unchanged.
"""

from __future__ import annotations

import asyncio
import io
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.csv_text import csv_dict_text
from bot.domain.petitions import (
    ALIASES,
    COLUMNS,
    REQUIRED,
    PetitionAction,
    PetitionRow,
    PetitionSource,
    PetitionType,
    read_petition_rows,
    row_cells,
)
from bot.domain.report_rows import protect_cell
from bot.domain.tables import Problem
from bot.i18n import N_
from bot.models import Council, Delegate
from bot.models.petitions import Petition
from bot.services import audit
from bot.services.files.tabular import read_table
from bot.services.petitions import history
from bot.services.petitions.notices import queue_answer_notice

AUDIT_ACTION = "petitions.import"


@dataclass(frozen=True)
class PetitionImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    answers_told: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    ignored_columns: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)


def _values(row: PetitionRow, council_id: int, delegate_id: int | None) -> dict[str, object]:
    return {
        "council_id": council_id,
        "ref": row.ref,
        "source": row.source.value,
        "received_on": row.received_on,
        "delegate_id": delegate_id,
        "type": row.type.value,
        "summary": row.summary,
        "citizen": row.citizen,
        "action": row.action.value if row.action is not None else None,
        "agency": row.agency,
        "forwarded_on": row.forwarded_on,
        "due_on": row.due_on,
        "answered_on": row.answered_on,
        "answer": row.answer,
    }


async def import_petitions(
    *,
    session: AsyncSession,
    path: Path,
    now: datetime,
    answer_days: Mapping[str, int],
    dry_run: bool,
    actor: str = "cli",
) -> PetitionImportResult:
    """Check every row of ``path``; when all are clean, save them and commit (a dry run
    counts what would change and writes nothing)."""
    table, problems = await asyncio.to_thread(read_table, path, aliases=ALIASES, required=REQUIRED)
    if problems:
        return PetitionImportResult(problems=problems, ignored_columns=table.ignored_columns)
    rows, problems = read_petition_rows(table.rows, answer_days)
    councils, delegates = await _resolve(session, rows, problems)
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        return PetitionImportResult(
            problems=problems, ignored_columns=table.ignored_columns, headers=table.headers
        )
    existing = await _existing(session, [c.id for c in councils.values() if c.id is not None])
    counts, answered = await _upsert(
        session,
        rows,
        councils,
        delegates,
        existing,
        dry_run=dry_run,
        actor=f"{actor}:{path.name}",
        now=now,
    )
    told = 0
    if dry_run:
        await session.rollback()
    else:
        for petition in answered:
            told += await queue_answer_notice(session=session, petition=petition, now=now)
        audit.record(
            session, actor=actor, action=AUDIT_ACTION, at=now, file=path.name, **dict(counts)
        )
        await session.commit()
    return PetitionImportResult(
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        answers_told=told,
        dry_run=dry_run,
        ignored_columns=table.ignored_columns,
        headers=table.headers,
    )


async def _upsert(
    session: AsyncSession,
    rows: Sequence[PetitionRow],
    councils: Mapping[str, Council],
    delegates: Mapping[str, Delegate],
    existing: Mapping[tuple[int, str], Petition],
    *,
    dry_run: bool,
    actor: str,
    now: datetime,
) -> tuple[Counter[str], list[Petition]]:
    """Each row added, updated or left unchanged (its version kept unless a dry run); the
    items whose answer is new or changed, whose delegate is to be told."""
    counts: Counter[str] = Counter()
    answered: list[Petition] = []
    for row in rows:
        council_id = councils[row.council].id
        assert council_id is not None
        delegate = delegates.get(row.delegate)
        values = _values(row, council_id, delegate.id if delegate is not None else None)
        petition = existing.get((council_id, row.ref))
        new = petition is None
        if petition is None:
            petition = Petition(created_at=now, updated_at=now, **values)  # type: ignore[arg-type]
            if petition.answered_on is not None:
                answered.append(petition)
        elif not history.differs(petition, values):
            counts["unchanged"] += 1
            continue
        else:
            was_answered = (petition.answered_on, petition.answer)
            for name, value in values.items():
                setattr(petition, name, value)
            if (petition.answered_on, petition.answer) != was_answered:
                answered.append(petition)
        counts["created" if new else "updated"] += 1
        if not dry_run:
            await history.save(session, petition, source="import", actor=actor, now=now, new=new)
    return counts, answered


async def _resolve(
    session: AsyncSession, rows: Sequence[PetitionRow], problems: list[Problem]
) -> tuple[dict[str, Council], dict[str, Delegate]]:
    """The rows' councils and delegates by code; a problem for each unknown one, and for a
    delegate of another council."""
    codes = {row.council for row in rows}
    councils = {
        c.code: c
        for c in (await session.exec(select(Council).where(col(Council.code).in_(codes)))).all()
    }
    wanted = {row.delegate for row in rows if row.delegate}
    delegates = {
        d.code: d
        for d in (await session.exec(select(Delegate).where(col(Delegate.code).in_(wanted)))).all()
    }
    for row in rows:
        council = councils.get(row.council)
        if council is None:
            problems.append(
                Problem(
                    row.number, "council", N_("Unknown council code: {code}"), {"code": row.council}
                )
            )
        if not row.delegate:
            continue
        delegate = delegates.get(row.delegate)
        if delegate is None:
            problems.append(
                Problem(
                    row.number,
                    "delegate",
                    N_("Unknown delegate code: {code}"),
                    {"code": row.delegate},
                )
            )
        elif council is not None and delegate.council_id != council.id:
            problems.append(
                Problem(
                    row.number,
                    "delegate",
                    N_("Delegate {code} does not sit on council {council}"),
                    {"code": row.delegate, "council": row.council},
                )
            )
    return councils, delegates


async def _existing(
    session: AsyncSession, council_ids: Collection[int]
) -> dict[tuple[int, str], Petition]:
    found = await session.exec(select(Petition).where(col(Petition.council_id).in_(council_ids)))
    return {(p.council_id, p.ref): p for p in found.all()}


# --- export ---------------------------------------------------------------------------------


async def export_rows(
    *,
    session: AsyncSession,
    received_from: date | None = None,
    received_before: date | None = None,
    council_ids: Collection[int] | None = None,
) -> list[dict[str, str]]:
    """The register's items, by council and register order; the export's cells."""
    query = (
        select(Petition, Council)
        .join(Council, col(Council.id) == col(Petition.council_id))
        .order_by(col(Council.code), col(Petition.received_on), col(Petition.id))
    )
    if received_from is not None:
        query = query.where(col(Petition.received_on) >= received_from)
    if received_before is not None:
        query = query.where(col(Petition.received_on) < received_before)
    if council_ids is not None:
        query = query.where(col(Petition.council_id).in_(list(council_ids)))
    found = (await session.exec(query)).all()
    ids = {p.delegate_id for p, _c in found if p.delegate_id is not None}
    codes = {
        d.id: d.code
        for d in (await session.exec(select(Delegate).where(col(Delegate.id).in_(ids)))).all()
    }
    return [row_cells(_as_row(p, c, codes)) for p, c in found]


def _as_row(petition: Petition, council: Council, codes: Mapping[int | None, str]) -> PetitionRow:
    return PetitionRow(
        number=0,
        ref=petition.ref,
        council=council.code,
        source=PetitionSource(petition.source),
        received_on=petition.received_on,
        delegate=codes.get(petition.delegate_id, ""),
        type=PetitionType(petition.type),
        summary=petition.summary,
        citizen=petition.citizen,
        action=PetitionAction(petition.action) if petition.action else None,
        agency=petition.agency,
        forwarded_on=petition.forwarded_on,
        due_on=petition.due_on,
        answered_on=petition.answered_on,
        answer=petition.answer,
    )


def export_csv(rows: Sequence[dict[str, str]]) -> bytes:
    """UTF-8 with a BOM; text that a spreadsheet would run as a formula is quoted."""
    return csv_dict_text(list(COLUMNS), rows).encode("utf-8-sig")


def export_xlsx(rows: Sequence[dict[str, str]]) -> bytes:
    """The same columns as text cells (dates stay ``YYYY-MM-DD``), header frozen."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("don-thu")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for column, name in enumerate(COLUMNS):
        sheet.write_string(0, column, name, bold)
        sheet.set_column(column, column, 40 if name in ("summary", "answer", "citizen") else 14)
    for number, row in enumerate(rows, start=1):
        for column, name in enumerate(COLUMNS):
            sheet.write_string(number, column, protect_cell(row[name]))
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
