"""The register's figures added to the quarterly statistics (items received in the quarter)."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.petition_stats import RegisterFigures, RegisterItem, register_figures
from bot.domain.stats import Statistics, Summary
from bot.models.petitions import Petition


async def with_register(
    *, session: AsyncSession, stats: Statistics, council_ids: frozenset[int] | None
) -> Statistics:
    """``stats`` with each summary's register figures (councils chosen, or all)."""
    quarter = stats.quarter
    query = select(
        col(Petition.council_id),
        col(Petition.type),
        col(Petition.action),
        col(Petition.due_on),
        col(Petition.answered_on),
    ).where(
        col(Petition.received_on) >= quarter.first_day,
        col(Petition.received_on) < quarter.following().first_day,
    )
    if council_ids is not None:
        query = query.where(col(Petition.council_id).in_(list(council_ids)))
    connection = await session.connection()
    items = [RegisterItem(*row) for row in (await connection.execute(query)).all()]
    if not items:
        return stats
    figures = register_figures(items)

    def of(summary: Summary) -> RegisterFigures | None:
        if summary.council is not None:
            return figures.get(summary.council.id)
        # A level's paragraph (several councils): their items only, not every council's.
        group = set(summary.council_ids)
        return register_figures([i for i in items if i.council_id in group]).get(None)

    summaries = tuple(dataclasses.replace(s, register=of(s)) for s in stats.summaries)
    return dataclasses.replace(stats, summaries=summaries, register=figures)


SHEET_REGISTER = "Đơn thư"
REGISTER_HEADERS = (
    ("HĐND", None),
    ("Khiếu nại", "complaint"),
    ("Tố cáo", "denunciation"),
    ("Kiến nghị", "proposal"),
    ("Phản ánh", "feedback"),
    ("Tổng số đơn", "petitions"),
    ("Đã chuyển cơ quan có thẩm quyền", "forwarded"),
    ("Đã trả lời đúng hạn", "on_time"),
    ("Đã trả lời quá hạn", "late"),
    ("Đang chờ trả lời", "awaited"),
    ("Ý kiến cử tri", "opinions"),
    ("Ý kiến đã chuyển", "opinions_forwarded"),
    ("Ý kiến đã được trả lời", "opinions_answered"),
)


def _value(figures: RegisterFigures, name: str) -> int:
    if name in figures.types or name in ("complaint", "denunciation", "proposal", "feedback"):
        return figures.types[name]
    value = getattr(figures, name)
    assert isinstance(value, int)
    return value


def register_sheet(book: Any, header: Any, text: Any, number: Any, stats: Statistics) -> None:
    """The register's figures of the quarter, one row per council then the total (only when
    the register holds items received in it)."""
    if not stats.register:
        return
    sheet = book.add_worksheet(SHEET_REGISTER)
    for column, (title, _name) in enumerate(REGISTER_HEADERS):
        sheet.write_string(0, column, title, header)
        sheet.set_column(column, column, 28 if column == 0 else 14)
    names = {c.id: c.name for c in stats.councils}
    keys = sorted((k for k in stats.register if k is not None), key=lambda k: names.get(k, ""))
    rows = [(names.get(k, str(k)), stats.register[k]) for k in keys]
    if len(rows) != 1:
        rows.append(("Tổng cộng", stats.register[None]))
    for offset, (label, figures) in enumerate(rows, start=1):
        sheet.write_string(offset, 0, label, text)
        for column, (_title, name) in enumerate(REGISTER_HEADERS[1:], start=1):
            assert name is not None
            sheet.write_number(offset, column, _value(figures, name), number)
    sheet.freeze_panes(1, 1)
