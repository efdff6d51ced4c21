"""Follow-up of forwarded items: the secretaries' daily summary lists answers overdue and
due within ``DUE_SOON_DAYS`` (3) days (without the items' personal content), in one message."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

from bot.db import SessionFactory
from bot.domain.petitions import DUE_SOON_DAYS
from bot.i18n import get_translator
from bot.messages.notices import summary_message
from bot.messages.petition_texts import awaited_lines, nothing_awaited
from bot.models import OutboxMessage
from bot.models.petitions import Petition
from bot.services.outbox.payloads import SummaryPayload
from bot.services.outbox.summary import council_summaries, plan_summaries
from bot.services.petitions.items import answers_since, awaited
from bot.web.strings import page_strings
from tests.factories import add_delegate

NOW = datetime(2026, 12, 10, 0, 30, tzinfo=UTC)  # 07:30 local
TODAY = date(2026, 12, 10)


async def _petition(
    factory: SessionFactory, council_id: int, ref: str, due: date | None, **fields: object
) -> None:
    async with factory() as session, session.begin():
        session.add(
            Petition(
                council_id=council_id,
                ref=ref,
                source="reception",
                received_on=date(2026, 11, 1),
                type="proposal",
                summary=f"Nội dung riêng {ref}",
                citizen="Nguyễn Văn Dũng",
                action="forwarded" if due else "filed",
                agency="UBND xã" if due else "",
                forwarded_on=date(2026, 11, 2) if due else None,
                due_on=due,
                created_at=NOW,
                updated_at=NOW,
                **fields,
            )
        )


async def _seed(factory: SessionFactory) -> int:
    secretary = await add_delegate(factory, "VP-1", role="secretary", telegram_user_id=2001)
    council = secretary.council_id
    await _petition(factory, council, "1/2026", TODAY - timedelta(days=1))  # overdue
    await _petition(factory, council, "2/2026", TODAY + timedelta(days=3))  # due soon
    await _petition(factory, council, "3/2026", TODAY + timedelta(days=4))  # not yet
    await _petition(factory, council, "4/2026", None)  # never forwarded
    await _petition(
        factory, council, "5/2026", TODAY - timedelta(days=5), answered_on=TODAY
    )  # answered
    return council


async def test_awaited_lists_overdue_and_due_soon(session_factory: SessionFactory) -> None:
    council = await _seed(session_factory)
    async with session_factory() as session:
        found = await awaited(session=session, council_ids=[council], today=TODAY)
        assert [p.ref for p in found] == ["1/2026", "2/2026"]
        assert await awaited(session=session, council_ids=[council + 1], today=TODAY) == []


async def test_daily_summary_lists_them_without_personal_data(
    session_factory: SessionFactory,
) -> None:
    await _seed(session_factory)
    async with session_factory() as session:
        planned = await plan_summaries(
            session=session, now=NOW, admin_ids=frozenset(), day_key="d", petitions_on=TODAY
        )
        await session.commit()
        assert planned == 1  # petitions alone are worth the summary
        (row,) = (
            await session.exec(select(OutboxMessage).where(col(OutboxMessage.kind) == "summary"))
        ).all()
        payload = SummaryPayload.unpack(row.payload)
        assert payload.petitions_on == TODAY
        summaries = await council_summaries(
            session=session, since=payload.since, petitions_on=payload.petitions_on
        )
    text = summary_message(list(summaries.values()), language="vi").text
    assert "Quá hạn trả lời: 1" in text
    assert "Đến hạn trả lời trong 3 ngày tới: 1" in text
    assert "• Số 1/2026 (kiến nghị) chuyển UBND xã, hạn 09/12/2026" in text
    assert "3/2026" not in text
    assert "Nội dung riêng" not in text
    assert "Nguyễn Văn Dũng" not in text
    assert len(text) <= 4096


async def test_the_texts_name_the_window_the_query_uses(session_factory: SessionFactory) -> None:
    """The "due within N days" of the lists is ``DUE_SOON_DAYS``, the query's own window:
    an item due on its last day is listed and counted, the next day's is not."""
    secretary = await add_delegate(session_factory, "VP-1", role="secretary", telegram_user_id=1)
    council = secretary.council_id
    last = TODAY + timedelta(days=DUE_SOON_DAYS)
    await _petition(session_factory, council, "1/2026", last)
    await _petition(session_factory, council, "2/2026", last + timedelta(days=1))
    async with session_factory() as session:
        found = await awaited(session=session, council_ids=[council], today=TODAY)
    assert [p.ref for p in found] == ["1/2026"]
    vi = get_translator("vi")
    heading, _line = awaited_lines(found, TODAY, vi)
    assert heading == f"<b>Đến hạn trả lời trong {DUE_SOON_DAYS} ngày tới: 1</b>"
    assert nothing_awaited(vi) == (
        "Không có đơn thư, ý kiến cử tri đã chuyển nào quá hạn hoặc đến hạn trả lời "
        f"trong {DUE_SOON_DAYS} ngày tới."
    )
    page = page_strings("en")
    assert page["petitions_due_soon"] == f"Answers due within {DUE_SOON_DAYS} days: {{count}}"
    assert page["nothing_petitions"] == (
        f"No forwarded item is overdue or due within {DUE_SOON_DAYS} days."
    )


async def test_many_items_stay_within_one_message(session_factory: SessionFactory) -> None:
    secretary = await add_delegate(session_factory, "VP-1", role="secretary", telegram_user_id=1)
    for number in range(300):
        await _petition(session_factory, secretary.council_id, f"{number}/2026", TODAY)
    async with session_factory() as session:
        summaries = await council_summaries(session=session, since=NOW, petitions_on=TODAY)
    text = summary_message(list(summaries.values()), language="vi").text
    assert len(text) <= 4096
    assert "/donthu" in text


async def test_answers_since_the_last_meeting(session_factory: SessionFactory) -> None:
    delegate = await add_delegate(session_factory, "D-1")
    assert delegate.id is not None
    for ref, recorded in (("1/2026", NOW - timedelta(days=40)), ("2/2026", NOW)):
        await _petition(
            session_factory,
            delegate.council_id,
            ref,
            TODAY,
            delegate_id=delegate.id,
            answered_on=TODAY,
            answer="Đã xử lý",
            answer_recorded_at=recorded,
        )
    async with session_factory() as session:
        found = await answers_since(
            session=session,
            delegate_id=delegate.id,
            since=NOW - timedelta(days=30),
            until=NOW + timedelta(days=1),
            kinds=("proposal",),
        )
    assert [p.ref for p in found] == ["2/2026"]


async def test_quarterly_statistics_carry_the_register(session_factory: SessionFactory) -> None:
    from zoneinfo import ZoneInfo

    from bot.domain.quarters import Quarter
    from bot.domain.stats_text import summary_text
    from bot.services.stats.figures import quarterly_statistics

    # received 01/11/2026 (Q4): 1/2026 overdue, 2/2026 and 3/2026 awaited, 4/2026 filed,
    # 5/2026 answered on 10/12 though due 05/12 (late) — 05 kiến nghị, 04 forwarded.
    council = await _seed(session_factory)
    async with session_factory() as session:
        stats = await quarterly_statistics(
            session=session,
            quarter=Quarter(2026, 4),
            zone=ZoneInfo("Asia/Ho_Chi_Minh"),
            now=NOW,
            council_ids=frozenset({council}),
        )
    text = summary_text(stats, "vi")
    assert (
        "Về đơn thư, ý kiến cử tri: tiếp nhận 05 đơn: 05 kiến nghị; đã chuyển 04 đơn đến cơ "
        "quan có thẩm quyền, 01 đơn đã có văn bản trả lời (01 quá hạn), 03 đơn đang chờ trả lời."
    ) in text
    assert "Nội dung riêng" not in text


async def test_the_workbook_has_the_register_sheet(session_factory: SessionFactory) -> None:
    import io
    from zoneinfo import ZoneInfo

    from openpyxl import load_workbook

    from bot.domain.quarters import Quarter
    from bot.services.stats.figures import quarterly_statistics
    from bot.services.stats.xlsx import xlsx_bytes

    await _seed(session_factory)
    async with session_factory() as session:
        stats = await quarterly_statistics(
            session=session, quarter=Quarter(2026, 4), zone=ZoneInfo("Asia/Ho_Chi_Minh"), now=NOW
        )
    book = load_workbook(io.BytesIO(xlsx_bytes(stats)))
    sheet = book["Đơn thư"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:6] == [
        "HĐND",
        "Khiếu nại",
        "Tố cáo",
        "Kiến nghị",
        "Phản ánh",
        "Tổng số đơn",
    ]
    assert rows[1][1:10] == [0, 0, 5, 0, 5, 4, 0, 1, 3]
