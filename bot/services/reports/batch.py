"""A file of reports saved at once: applied in memory with the carrier rule, then written.

Saving row by row through :func:`bot.services.reports.records.save_in_session` costs about four
statements a row (the occurrence's reports, the report, its version, each flushed). Here
the reports of every occurrence the file touches are read in a few plain queries (no ORM
objects: 20,000 of them cost more than the rest of the import), each row is applied in
memory with the same rule (:func:`bot.domain.report_carrier.apply_report`), and the
result is written with a handful of executemany statements: carriers that lose their
figures, the other changed reports, the new reports (ids returned), then every version.
The versions are the ones saving row by row would have kept.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunks
from bot.domain.report_carrier import FIGURE_FIELDS, Content, apply_report, desired
from bot.domain.reports import Figures
from bot.models import Report, ReportVersion
from bot.services.reports.records import Source

VERSIONS_TABLE = ReportVersion.metadata.tables["report_versions"]
REPORTS_TABLE = Report.metadata.tables["reports"]
_CONTENT_COLUMNS = ("held", "reason", "note", "carries_figures", *FIGURE_FIELDS)
# Rows per INSERT … RETURNING: SQLAlchemy pages them further to stay under every
# backend's bound-parameter limit; this only bounds the memory of one call.
_WRITE_CHUNK = 5_000


@dataclass(frozen=True)
class Owner:
    """Whose report a row is: the assignment, its occurrence and its delegate."""

    assignment_id: int
    occurrence_id: int
    delegate_id: int


@dataclass
class _Stored:
    id: int
    updated_at: datetime
    source: str
    carries_figures: bool


@dataclass
class _Held:
    """One report as the batch sees it: its content so far, and its stored row if any."""

    content: Content
    source: str
    version: int
    stored: _Stored | None
    owner: Owner | None = None
    """For a report the file creates: whose it is."""
    id: int | None = None


@dataclass(frozen=True)
class Newer:
    """A row refused: a report it would change was saved after the row was exported."""

    updated_at: datetime
    source: str


@dataclass(frozen=True)
class _Version:
    held: _Held
    version: int
    content: Content
    source: str


class ReportBatch:
    """The reports of a file's occurrences, changed in memory row after row."""

    def __init__(self, stored: Sequence[Any] = ()) -> None:
        # In the order the reports were first saved (by id), which is the rule's order.
        self._reports: dict[int, dict[int, _Held]] = defaultdict(dict)
        for row in sorted(stored, key=lambda row: row.id):
            content = Content(**{name: getattr(row, name) for name in _CONTENT_COLUMNS})
            self._reports[row.occurrence_id][row.assignment_id] = _Held(
                content,
                row.source,
                row.version,
                _Stored(row.id, row.updated_at, row.source, row.carries_figures),
                id=row.id,
            )
        self._versions: list[_Version] = []

    @classmethod
    async def load(cls, session: AsyncSession, occurrence_ids: Collection[int]) -> ReportBatch:
        """The stored reports of ``occurrence_ids``, read in a few plain queries."""
        table = REPORTS_TABLE
        columns = [
            table.c[name]
            for name in ("id", "assignment_id", "occurrence_id", "source", "version", "updated_at")
        ] + [table.c[name] for name in _CONTENT_COLUMNS]
        stored: list[Any] = []
        for chunk in chunks(sorted(occurrence_ids)):
            query: Any = select(*columns).where(table.c.occurrence_id.in_(chunk))
            found = await session.exec(query)
            stored.extend(found.all())
        return cls(stored)

    def apply(
        self,
        owner: Owner,
        *,
        held: bool,
        reason: str | None,
        figures: Figures | None,
        note: str,
        exported_at: datetime | None = None,
    ) -> str | Newer:
        """One row's report: ``"created"``, ``"updated"`` or ``"unchanged"``; or, for a
        row of an export older than a stored report it would change, :class:`Newer` and
        nothing applied (re-importing an old export must not undo a newer correction)."""
        reports = self._reports[owner.occurrence_id]
        own = reports.get(owner.assignment_id)
        wanted = desired(
            held=held,
            reason=reason,
            figures=figures,
            note=note,
            existing=own.content if own is not None else None,
        )
        changes = apply_report(
            [(k, h.content) for k, h in reports.items()], owner.assignment_id, wanted
        )
        if not changes:
            return "unchanged"
        if exported_at is not None and (newer := _newer(reports, changes, exported_at)):
            return newer
        if own is None:
            reports[owner.assignment_id] = _Held(wanted, Source.imported.value, 0, None, owner)
        for key, content in changes:
            changed = reports[key]
            changed.content = content
            if key == owner.assignment_id:
                changed.source = Source.imported.value
            changed.version += 1
            self._versions.append(_Version(changed, changed.version, content, changed.source))
        return "created" if own is None else "updated"

    async def write(self, session: AsyncSession, *, actor: str, now: datetime) -> None:
        """Every change, in a few executemany statements; the caller commits."""
        touched = list({id(v.held): v.held for v in self._versions}.values())
        # First the carriers that lose their figures: the unique index on the carrier
        # of an occurrence is checked row by row, and a new carrier may come before.
        releasing = [h for h in touched if _releases(h)]
        keeping = [h for h in touched if h.stored is not None and not _releases(h)]
        await _update(session, releasing, now)
        await _update(session, keeping, now)
        await _insert(session, [h for h in touched if h.stored is None], now)
        rows = list(self._version_rows(actor, now))
        for start in range(0, len(rows), _WRITE_CHUNK):
            await session.exec(insert(VERSIONS_TABLE), params=rows[start : start + _WRITE_CHUNK])

    def _version_rows(self, actor: str, now: datetime) -> Iterator[dict[str, object]]:
        for version in self._versions:
            assert version.held.id is not None
            yield {
                "report_id": version.held.id,
                "version": version.version,
                "content": json.dumps(
                    version.content.as_dict(), ensure_ascii=False, sort_keys=True
                ),
                "source": version.source,
                "actor": actor,
                "recorded_at": now,
            }


def _newer(
    reports: dict[int, _Held], changes: list[tuple[int, Content]], exported_at: datetime
) -> Newer | None:
    """The first stored report among ``changes`` saved after ``exported_at`` (the export
    writes minutes, so a report saved in the same minute is not newer)."""
    for key, _content in changes:
        stored = reports[key].stored
        if stored is None:
            continue
        if stored.updated_at.replace(second=0, microsecond=0) > exported_at:
            return Newer(stored.updated_at, stored.source)
    return None


def _releases(held: _Held) -> bool:
    stored = held.stored
    return stored is not None and stored.carries_figures and not held.content.carries_figures


def _values(held: _Held, now: datetime) -> dict[str, Any]:
    return {
        **{name: getattr(held.content, name) for name in _CONTENT_COLUMNS},
        "source": held.source,
        "version": held.version,
        "updated_at": now,
    }


async def _update(session: AsyncSession, reports: Sequence[_Held], now: datetime) -> None:
    """Changed stored reports, one executemany (bound names differ from the columns')."""
    if not reports:
        return
    names = (*_CONTENT_COLUMNS, "source", "version", "updated_at")
    statement = (
        update(REPORTS_TABLE)
        .where(REPORTS_TABLE.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in names})
    )
    params = [
        {"b_id": held.id, **{f"b_{k}": v for k, v in _values(held, now).items()}}
        for held in reports
    ]
    for start in range(0, len(params), _WRITE_CHUNK):
        await session.exec(statement, params=params[start : start + _WRITE_CHUNK])


async def _insert(session: AsyncSession, reports: Sequence[_Held], now: datetime) -> None:
    """New reports, their ids read back with ``RETURNING`` (one insert per page)."""
    by_assignment: dict[int, _Held] = {}
    rows: list[dict[str, Any]] = []
    for held in reports:
        owner = held.owner
        assert owner is not None
        by_assignment[owner.assignment_id] = held
        rows.append(
            {
                "assignment_id": owner.assignment_id,
                "occurrence_id": owner.occurrence_id,
                "delegate_id": owner.delegate_id,
                "reported_at": now,
                **_values(held, now),
            }
        )
    statement = insert(REPORTS_TABLE).returning(REPORTS_TABLE.c.id, REPORTS_TABLE.c.assignment_id)
    for start in range(0, len(rows), _WRITE_CHUNK):
        found = await session.exec(statement, params=rows[start : start + _WRITE_CHUNK])
        for report_id, assignment_id in found.all():
            by_assignment[assignment_id].id = report_id
