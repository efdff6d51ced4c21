"""The buttons under ``/lich``: short, dated labels a phone shows whole; the callback
data the handlers read is the reminders' own."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.availability import SESSION_KIND, Answer
from bot.domain.buttons import SessionAnswerButton, SessionChoice
from bot.domain.callbacks import encode
from bot.i18n import get_translator
from bot.messages.availability_texts import agenda_rows, answer_mark
from bot.services.schedule.views import AssignmentView

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def _view(assignment_id: int, kind: str, title: str, starts_at: datetime) -> AssignmentView:
    return AssignmentView(
        assignment_id=assignment_id, occurrence_id=assignment_id, event_id=1, kind=kind,
        title=title, location="Hội trường", starts_at=starts_at, ends_at=None, delegate_id=5,
        delegate_code="ML-A", delegate_name="Đại biểu A", changed_at=None,
    )  # fmt: skip


def test_session_buttons_are_short_and_dated() -> None:
    _ = get_translator("vi")
    morning = datetime(2026, 12, 18, 8, 0, tzinfo=ZONE)
    rows = agenda_rows(
        [
            _view(1, "reception", "Tiếp công dân", datetime(2026, 12, 10, 7, 30, tzinfo=ZONE)),
            _view(2, SESSION_KIND, "Kỳ họp thứ ba (chuyên đề về ngân sách)", morning),
            _view(3, SESSION_KIND, "Kỳ họp thứ ba", morning.replace(hour=14)),
            _view(4, SESSION_KIND, "Kỳ họp thứ tư", datetime(2027, 1, 5, 8, tzinfo=ZONE)),
        ],
        _,
        "vi",
    )
    labels = [[b.text for b in row] for row in rows]
    assert labels == [
        ["Xin vắng · 10/12 Tiếp công dân"],
        ["Tham dự 18/12 8h00", "Xin vắng 18/12 8h00"],  # two sessions that day
        ["Tham dự 18/12 14h00", "Xin vắng 18/12 14h00"],
        ["Tham dự 05/01", "Xin vắng 05/01"],
    ]
    assert [b.callback_data for b in rows[1]] == [
        encode(SessionAnswerButton(2, SessionChoice.attend)),
        encode(SessionAnswerButton(2, SessionChoice.absent)),
    ]


def test_an_answered_session_keeps_only_the_other_choice() -> None:
    _ = get_translator("vi")
    views = [
        _view(2, SESSION_KIND, "Kỳ họp thứ ba", datetime(2026, 12, 18, 8, tzinfo=ZONE)),
        _view(4, SESSION_KIND, "Kỳ họp thứ tư", datetime(2027, 1, 5, 8, tzinfo=ZONE)),
        _view(5, SESSION_KIND, "Kỳ họp thứ năm", datetime(2027, 2, 5, 8, tzinfo=ZONE)),
    ]
    rows = agenda_rows(views, _, "vi", {2: Answer.attend, 4: Answer.absent})
    assert [[b.text for b in row] for row in rows] == [
        ["Xin vắng 18/12"],
        ["↩️ Rút xin vắng 05/01"],
        ["Tham dự 05/02", "Xin vắng 05/02"],
    ]
    assert [b.callback_data for b in rows[0]] == [
        encode(SessionAnswerButton(2, SessionChoice.absent))
    ]
    assert [b.callback_data for b in rows[1]] == [
        encode(SessionAnswerButton(4, SessionChoice.attend))
    ]


def test_two_sessions_of_a_day_are_told_apart_by_the_english_clock() -> None:
    _ = get_translator("en")
    morning = datetime(2026, 12, 18, 8, 0, tzinfo=ZONE)
    afternoon = morning.replace(hour=14)
    views = [_view(2, SESSION_KIND, "A", morning), _view(3, SESSION_KIND, "B", afternoon)]
    labels = [[b.text for b in row] for row in agenda_rows(views, _, "en")]
    assert labels[0] == ["Will attend 18/12 08:00", "Can't attend 18/12 08:00"]


@pytest.mark.parametrize(
    ("answer", "vi", "en"),
    [
        (Answer.attend, " · ✅ đã báo tham dự", " · ✅ you said you will attend"),
        (Answer.absent, " · 🙅 đã xin vắng", " · 🙅 you asked to be excused"),
        (None, "", ""),
        (Answer.none, "", ""),
    ],
)
def test_the_agenda_marks_the_answer_given(answer: Answer | None, vi: str, en: str) -> None:
    assert answer_mark(answer, get_translator("vi")) == vi
    assert answer_mark(answer, get_translator("en")) == en


def test_every_item_gets_its_buttons_up_to_a_keyboard_s_hundred() -> None:
    """Each upcoming item of /lich offers «Xin vắng» (DESIGN), not only the first ten; a
    keyboard holds 100 buttons, one of them the calendar file."""
    _ = get_translator("vi")
    start = datetime(2026, 12, 10, 7, 30, tzinfo=ZONE)
    receptions = [_view(n, "reception", "Tiếp công dân", start) for n in range(1, 31)]
    assert len(agenda_rows(receptions, _, "vi")) == 30
    sessions = [_view(n, SESSION_KIND, "Kỳ họp", start.replace(day=11)) for n in range(1, 81)]
    rows = agenda_rows(sessions, _, "vi")
    assert sum(len(row) for row in rows) <= 99
    assert len(rows) == 49
