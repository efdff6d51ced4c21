"""A file of reports saved at once: applied in memory with the carrier rule, then written.

Saving row by row through :func:`bot.services.reports.records.save_in_session` costs about four
statements a row (the occurrence's reports, the report, its version, each flushed). Here
the reports of every occurrence the file touches are loaded once, each row is applied
in memory with the same rule (:func:`bot.domain.report_carrier.apply_report`), and the
result is written in three batches: carriers that lose their figures, the other reports,
then every version. The versions are the ones saving row by row would have kept.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.report_carrier import Content, apply_report, desired
from bot.domain.reports import Figures
from bot.models import Assignment, Report, ReportVersion
from bot.services.reports.records import Source, content_of, set_content

VERSIONS_TABLE = ReportVersion.metadata.tables["report_versions"]
# Occurrences per ``IN (…)`` query: far below every backend's bound-parameter limit.
_QUERY_CHUNK = 500


@dataclass
class _Held:
    """One report as the batch sees it: its content so far, and its stored row if any."""

    content: Content
    source: str
    version: int
    stored: Report | None
    assignment: Assignment | None = None
    """For a report the file creates: whose it is."""


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

    def __init__(self, stored: Collection[Report]) -> None:
        # In the order the reports were first saved, which is the rule's order.
        self._reports: dict[int, dict[int, _Held]] = defaultdict(dict)
        for report in sorted(stored, key=lambda report: report.id or 0):
            self._reports[report.occurrence_id][report.assignment_id] = _Held(
                content_of(report), report.source, report.version, report
            )
        self._versions: list[_Version] = []

    @classmethod
    async def load(cls, session: AsyncSession, occurrence_ids: Collection[int]) -> ReportBatch:
        """The stored reports of ``occurrence_ids``, read in a few queries."""
        ids = sorted(occurrence_ids)
        stored: list[Report] = []
        for start in range(0, len(ids), _QUERY_CHUNK):
            chunk = ids[start : start + _QUERY_CHUNK]
            rows = await session.exec(select(Report).where(col(Report.occurrence_id).in_(chunk)))
            stored.extend(rows.all())
        return cls(stored)

    def apply(
        self,
        assignment: Assignment,
        occurrence_id: int,
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
        assert assignment.id is not None
        reports = self._reports[occurrence_id]
        own = reports.get(assignment.id)
        wanted = desired(
            held=held,
            reason=reason,
            figures=figures,
            note=note,
            existing=own.content if own is not None else None,
        )
        changes = apply_report([(k, h.content) for k, h in reports.items()], assignment.id, wanted)
        if not changes:
            return "unchanged"
        if exported_at is not None and (newer := _newer(reports, changes, exported_at)):
            return newer
        if own is None:
            reports[assignment.id] = _Held(wanted, Source.imported.value, 0, None, assignment)
        for key, content in changes:
            changed = reports[key]
            changed.content = content
            if key == assignment.id:
                changed.source = Source.imported.value
            changed.version += 1
            self._versions.append(_Version(changed, changed.version, content, changed.source))
        return "created" if own is None else "updated"

    async def write(self, session: AsyncSession, *, actor: str, now: datetime) -> None:
        """Every change, flushed in three batches; the caller commits."""
        touched = list({id(v.held): v.held for v in self._versions}.values())
        # First the carriers that lose their figures: the unique index on the carrier
        # of an occurrence is checked row by row, and a new carrier may come before.
        releasing = [h for h in touched if _releases(h)]
        for held in releasing:
            _store(session, held, now)
        await session.flush()
        for held in touched:
            if not _releases(held):
                _store(session, held, now)
        await session.flush()
        if self._versions:
            await session.exec(insert(VERSIONS_TABLE), params=list(self._version_rows(actor, now)))

    def _version_rows(self, actor: str, now: datetime) -> Iterator[dict[str, object]]:
        for version in self._versions:
            stored = version.held.stored
            assert stored is not None
            assert stored.id is not None
            yield {
                "report_id": stored.id,
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


def _store(session: AsyncSession, held: _Held, now: datetime) -> None:
    """The report's final state on its row (a new row for a report the file creates)."""
    if held.stored is None:
        assignment = held.assignment
        assert assignment is not None
        assert assignment.id is not None
        held.stored = Report(
            assignment_id=assignment.id,
            occurrence_id=assignment.occurrence_id,
            delegate_id=assignment.delegate_id,
            held=held.content.held,
            source=held.source,
            version=held.version,
            reported_at=now,
            updated_at=now,
        )
    report = held.stored
    set_content(report, held.content)
    report.source = held.source
    report.version = held.version
    report.updated_at = now
    session.add(report)
