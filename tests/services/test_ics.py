"""The iCalendar export: one event per assignment, stable UIDs, local times, alarms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Alarm, Calendar, Event

from bot.config import DEFAULT_REMINDER_OFFSETS
from bot.db import SessionFactory
from bot.domain.durations import parse_duration
from bot.domain.schedule import headline as event_summary
from bot.i18n import N_, get_translator
from bot.services.schedule.ics import build_ics, ics_filename
from bot.services.schedule.imports import AssignmentView, import_schedule, list_assignments
from tests.factories import add_delegate, in_session

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
OFFSETS = {
    kind: tuple(parse_duration(item) for item in items)
    for kind, items in DEFAULT_REMINDER_OFFSETS.items()
}  # the defaults: reception 3d, 1d, 2h; session 7d, 1d; …


def view(
    assignment_id: int = 1,
    *,
    kind: str = "reception",
    title: str = "Tiếp công dân xã Mỹ Lộc",
    location: str = "Trụ sở UBND xã Mỹ Lộc",
    starts_at: datetime = datetime(2026, 1, 12, 7, 30, tzinfo=ZONE),
    ends_at: datetime | None = datetime(2026, 1, 12, 11, 0, tzinfo=ZONE),
    changed_at: datetime | None = None,
) -> AssignmentView:
    return AssignmentView(
        assignment_id=assignment_id,
        occurrence_id=100 + assignment_id,
        event_id=7,
        kind=kind,
        title=title,
        location=location,
        starts_at=starts_at,
        ends_at=ends_at,
        delegate_id=1,
        delegate_code="ML-001",
        delegate_name="Nguyễn Thị Hoa",
        changed_at=changed_at,
    )


def render(views: list[AssignmentView], *, now: datetime = NOW) -> Calendar:
    data = build_ics(
        views, offsets=OFFSETS, zone=ZONE, calendar_name="Lịch công tác ML-001", now=now
    )
    assert isinstance(data, bytes)
    return Calendar.from_ical(data)


def events(calendar: Calendar) -> list[Event]:
    return calendar.events


def alarms(event: Event) -> list[Alarm]:
    return [component for component in event.subcomponents if isinstance(component, Alarm)]


def tzid(event: Event, name: str) -> str:
    """The TZID parameter of a date-time property."""
    return str(event[name].params["TZID"])


def test_calendar_header_and_timezone() -> None:
    calendar = render([view()])
    assert calendar.prodid == "-//delegate-bot//HĐND//VI"
    assert calendar.version == "2.0"
    assert calendar.calscale == "GREGORIAN"
    assert calendar.method == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Lịch công tác ML-001"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Ho_Chi_Minh"
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Ho_Chi_Minh"]
    assert calendar.get_missing_tzids() == set()


def test_one_event_per_assignment_with_stable_unique_uids() -> None:
    views = [view(1), view(2, starts_at=datetime(2026, 1, 20, 7, 30, tzinfo=ZONE)), view(3)]
    first = events(render(views))
    second = events(render(views, now=NOW + timedelta(days=3)))
    assert len(first) == 3
    uids = [event.uid for event in first]
    assert uids == [
        "assignment-1@delegate-bot",
        "assignment-2@delegate-bot",
        "assignment-3@delegate-bot",
    ]
    assert len(set(uids)) == 3
    assert [event.uid for event in second] == uids


def test_event_fields_keep_local_time_and_zone() -> None:
    (event,) = events(render([view()]))
    assert tzid(event, "DTSTART") == "Asia/Ho_Chi_Minh"
    assert event.start == datetime(2026, 1, 12, 7, 30, tzinfo=ZONE)
    assert isinstance(event.start, datetime)
    assert event.start.replace(tzinfo=None) == datetime(2026, 1, 12, 7, 30)
    assert tzid(event, "DTEND") == "Asia/Ho_Chi_Minh"
    assert isinstance(event.end, datetime)
    assert event.end.replace(tzinfo=None) == datetime(2026, 1, 12, 11, 0)
    assert event.DTSTAMP == NOW
    assert event.location == "Trụ sở UBND xã Mỹ Lộc"
    assert event.categories == ["reception"]
    assert event.sequence == 0
    assert event.status == "CONFIRMED"


def test_utc_input_is_written_in_the_council_zone() -> None:
    utc_start = datetime(2026, 1, 12, 0, 30, tzinfo=UTC)  # 07:30 in Hà Nội
    (event,) = events(render([view(starts_at=utc_start, ends_at=utc_start + timedelta(hours=2))]))
    assert tzid(event, "DTSTART") == "Asia/Ho_Chi_Minh"
    assert isinstance(event.start, datetime)
    assert event.start.replace(tzinfo=None) == datetime(2026, 1, 12, 7, 30)


def test_alarms_follow_the_offsets_of_the_kind() -> None:
    (reception,) = events(render([view()]))
    found = alarms(reception)
    assert len(found) == 3
    assert [alarm.TRIGGER for alarm in found] == [
        -timedelta(days=3),
        -timedelta(days=1),
        -timedelta(hours=2),
    ]
    for alarm in found:
        assert alarm.ACTION == "DISPLAY"
        assert alarm.description == reception.summary
        assert alarm.TRIGGER_RELATED == "START"

    (session,) = events(render([view(kind="session", title="Kỳ họp thứ 5")]))
    assert [a.TRIGGER for a in alarms(session)] == [
        -timedelta(days=7),
        -timedelta(days=1),
    ]


def test_kind_without_offsets_has_no_alarm() -> None:
    data = build_ics(
        [view()],
        offsets={"session": (timedelta(days=1),)},
        zone=ZONE,
        calendar_name="x",
        now=NOW,
    )
    (event,) = events(Calendar.from_ical(data))
    assert alarms(event) == []


def test_deadline_without_end_is_a_half_hour_event() -> None:
    deadline = view(
        kind="deadline",
        title="Nộp câu hỏi chất vấn",
        location="",
        starts_at=datetime(2026, 1, 15, 17, 0, tzinfo=ZONE),
        ends_at=None,
    )
    (event,) = events(render([deadline]))
    assert event.start == datetime(2026, 1, 15, 17, 0, tzinfo=ZONE)
    assert event.end == datetime(2026, 1, 15, 17, 30, tzinfo=ZONE)
    assert tzid(event, "DTEND") == "Asia/Ho_Chi_Minh"
    assert "LOCATION" not in event
    assert len(alarms(event)) == 3


def test_summary_uses_the_translated_kind_label() -> None:
    _ = get_translator("vi")
    (event,) = events(render([view(title="Tiếp dân định kỳ")]))
    assert event.summary == f"{_(N_('Citizen reception'))}: Tiếp dân định kỳ"
    english = build_ics(
        [view(title="Tiếp dân định kỳ")],
        offsets=OFFSETS,
        zone=ZONE,
        calendar_name="x",
        language="en",
        now=NOW,
    )
    (event,) = events(Calendar.from_ical(english))
    assert event.summary == "Citizen reception: Tiếp dân định kỳ"


def test_summary_does_not_repeat_the_label() -> None:
    catalog = {"Citizen reception": "Tiếp công dân", "Council session": "Kỳ họp"}

    def vietnamese(message: str) -> str:
        return catalog.get(message, message)

    assert event_summary("reception", "Tiếp công dân xã Mỹ Lộc", vietnamese) == (
        "Tiếp công dân xã Mỹ Lộc"
    )
    assert event_summary("reception", "TIEP CONG DAN tháng 1", vietnamese) == (
        "TIEP CONG DAN tháng 1"
    )
    assert event_summary("session", "Kỳ họp thứ 5", vietnamese) == "Kỳ họp thứ 5"
    assert event_summary("session", "Họp tổ", vietnamese) == "Kỳ họp: Họp tổ"
    assert event_summary("reception", "Tiếp công dânxyz", vietnamese) == (
        "Tiếp công dân: Tiếp công dânxyz"
    )
    assert event_summary("session", "Kỳ họp", vietnamese) == "Kỳ họp"
    assert event_summary("mystery", "Việc lạ", vietnamese) == "Việc lạ"


def test_html_like_title_comes_through_verbatim() -> None:
    title = "Họp <b>khẩn</b> & tiếp dân; a, b"
    (event,) = events(render([view(kind="other", title=title, location="Phòng <1> & 2")]))
    assert event.summary is not None
    assert event.summary.endswith(title)
    assert event.location == "Phòng <1> & 2"
    data = build_ics([view(title=title)], offsets=OFFSETS, zone=ZONE, calendar_name="x", now=NOW)
    assert b"&amp;" not in data
    assert b"&lt;" not in data


def test_empty_list_gives_a_valid_calendar_without_events() -> None:
    calendar = render([])
    assert events(calendar) == []
    assert calendar.prodid == "-//delegate-bot//HĐND//VI"
    assert calendar.timezones  # a calendar needs at least one component


def test_changed_assignment_gets_a_higher_sequence() -> None:
    (unchanged,) = events(render([view()]))
    (changed,) = events(render([view(changed_at=datetime(2026, 1, 5, 3, 0, tzinfo=UTC))]))
    (changed_again,) = events(render([view(changed_at=datetime(2026, 1, 6, 3, 0, tzinfo=UTC))]))
    assert unchanged.sequence == 0
    assert changed.sequence > 0
    assert changed_again.sequence > changed.sequence
    assert changed_again.sequence < 2**31
    last_modified = changed.LAST_MODIFIED
    assert last_modified == datetime(2026, 1, 5, 3, 0, tzinfo=UTC)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        build_ics([], offsets=OFFSETS, zone=ZONE, calendar_name="x", now=datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("code", "filename"),
    [
        ("ML-001", "lich-ML-001.ics"),
        ("ML-H-001", "lich-ML-H-001.ics"),
        ("../etc/passwd", "lich-etc_passwd.ics"),
        ("Đồng Nai 01", "lich-Dong_Nai_01.ics"),
        ("///", "lich.ics"),
    ],
)
def test_ics_filename_is_safe(code: str, filename: str) -> None:
    assert ics_filename(code) == filename


HEADER = (
    "kind,title,starts_at,ends_at,location,council,delegates,recurrence,until,shift,per_occurrence"
)


async def test_export_from_the_database(session_factory: SessionFactory, tmp_path: Path) -> None:
    hoa = await add_delegate(session_factory, "ML-001", full_name="Nguyễn Thị Hoa")
    await add_delegate(session_factory, "ML-002", full_name="Trần Văn Bình")
    path = tmp_path / "schedule.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                '"reception","Tiếp công dân xã Mỹ Lộc","2026-01-10 07:30","2026-01-10 11:00",'
                '"Trụ sở UBND xã Mỹ Lộc","HDND-ML","ML-001;ML-002",'
                '"FREQ=MONTHLY;BYMONTHDAY=10,20","2026-03-31","","1"',
                '"session","Kỳ họp thứ 5","2026-02-05 08:00","2026-02-05 17:00",'
                '"Hội trường xã","HDND-ML","all","","","",""',
                '"deadline","Nộp câu hỏi chất vấn","2026-01-30 17:00","","","HDND-ML",'
                '"ML-001","","","",""',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    async with session_factory() as session:
        result = await import_schedule(
            session=session, path=path, now=NOW, zone=ZONE, dry_run=False
        )
    assert result.problems == []
    assert hoa.id is not None
    views = await in_session(session_factory, list_assignments, zone=ZONE, delegate_ids=[hoa.id])
    # 6 reception days (10th/20th Jan–Mar) shared by two: 3 each; the session; the deadline
    assert len(views) == 5
    assert {v.delegate_code for v in views} == {"ML-001"}
    data = build_ics(views, offsets=OFFSETS, zone=ZONE, calendar_name="ML-001", now=NOW)
    found = events(Calendar.from_ical(data))
    assert sorted(e.uid for e in found) == sorted(
        f"assignment-{v.assignment_id}@delegate-bot" for v in views
    )
    assert {kind for e in found for kind in e.categories} == {"reception", "session", "deadline"}
    for event, assignment in zip(found, views, strict=True):
        assert event.start == assignment.starts_at
        assert tzid(event, "DTSTART") == "Asia/Ho_Chi_Minh"
