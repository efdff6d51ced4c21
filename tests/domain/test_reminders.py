"""Reminder planning: default lead times, quiet hours, merging, catch-up and the digest."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Settings
from bot.domain.durations import QuietHours, parse_quiet_hours
from bot.domain.reminders import (
    PlannedReminder,
    apply_quiet_hours,
    digest_due,
    in_quiet_hours,
    plan_reminders,
    summary_day,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def quiet_window(text: str) -> QuietHours:
    quiet = parse_quiet_hours(text)
    assert quiet is not None
    return quiet


QUIET = quiet_window("21:00-07:00")
LUNCH = quiet_window("12:00-13:30")
WEDNESDAY = date(2026, 3, 18)

D3, D1, H2, M90, M30, D7 = (
    timedelta(days=3),
    timedelta(days=1),
    timedelta(hours=2),
    timedelta(minutes=90),
    timedelta(minutes=30),
    timedelta(days=7),
)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=VN)


def on(days: int, hour: int, minute: int = 0) -> datetime:
    """A local instant ``days`` after Wednesday 2026-03-18 (negative: before)."""
    return at(WEDNESDAY + timedelta(days=days), hour, minute)


def plan(
    starts_at: datetime,
    leads: list[timedelta] | tuple[timedelta, ...],
    now: datetime,
    *,
    first_planning: bool = True,
    quiet: QuietHours | None = QUIET,
) -> list[PlannedReminder]:
    return plan_reminders(
        starts_at=starts_at,
        leads=leads,
        quiet=quiet,
        zone=VN,
        now=now,
        first_planning=first_planning,
    )


def summary(reminders: list[PlannedReminder]) -> list[tuple[str, datetime]]:
    return [(r.label, r.due_at) for r in reminders]


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    return Settings(_env_file=None)


def test_quiet_hours_fixture_is_the_default_window(settings: Settings) -> None:
    assert QuietHours(time(21), time(7)) == QUIET
    assert settings.QUIET_HOURS == QUIET


# --- 1. default offsets per kind -------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "labels"),
    [
        ("reception", ["3d", "1d", "2h"]),
        ("voter_meeting", ["7d", "1d", "2h"]),
        ("session", ["7d", "1d"]),
        ("deadline", ["3d", "1d", "2h"]),
        ("supervision", ["3d", "1d"]),
        ("other", ["1d"]),
    ],
)
@pytest.mark.parametrize("first_planning", [True, False])
def test_default_offsets_plan_one_reminder_per_lead(
    settings: Settings, kind: str, labels: list[str], first_planning: bool
) -> None:
    leads = settings.REMINDER_OFFSETS[kind]
    starts_at = on(0, 9)  # Wednesday 09:00
    now = starts_at - timedelta(days=30)

    planned = plan(starts_at, leads, now, first_planning=first_planning)

    assert [r.label for r in planned] == labels
    assert [r.lead for r in planned] == sorted(leads, reverse=True)
    assert [r.due_at for r in planned] == [starts_at - lead for lead in sorted(leads, reverse=True)]
    for reminder in planned:
        assert reminder.due_at.tzinfo is not None
        assert not in_quiet_hours(reminder.due_at.astimezone(VN).time(), QUIET)


def test_default_offsets_cover_every_kind(settings: Settings) -> None:
    assert set(settings.REMINDER_OFFSETS) == {
        "reception",
        "voter_meeting",
        "session",
        "deadline",
        "supervision",
        "other",
    }


def test_reception_due_times_are_exact_local_instants(settings: Settings) -> None:
    planned = plan(on(0, 9), settings.REMINDER_OFFSETS["reception"], on(-30, 9))
    assert summary(planned) == [
        ("3d", on(-3, 9)),  # Sunday 09:00
        ("1d", on(-1, 9)),  # Tuesday 09:00
        ("2h", on(0, 7)),  # Wednesday 07:00 — the window's end, not inside it
    ]


def test_lead_order_in_input_does_not_matter() -> None:
    starts_at = on(0, 9)
    now = on(-30, 9)
    assert plan(starts_at, [H2, D3, D1], now) == plan(starts_at, [D3, D1, H2], now)


# --- 2. apply_quiet_hours ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "starts_at", "expected"),
    [
        pytest.param(on(0, 20, 59), on(3, 9), on(0, 20, 59), id="20:59-unchanged"),
        pytest.param(on(0, 21), on(3, 9), on(1, 7), id="21:00-to-07:00-next-day"),
        pytest.param(on(0, 23, 30), on(3, 9), on(1, 7), id="23:30-to-07:00-next-day"),
        pytest.param(on(1, 0), on(3, 9), on(1, 7), id="midnight-to-07:00-same-day"),
        pytest.param(on(0, 6, 59), on(3, 9), on(0, 7), id="06:59-to-07:00-same-day"),
        pytest.param(on(0, 7), on(3, 9), on(0, 7), id="07:00-unchanged"),
        pytest.param(on(0, 12), on(3, 9), on(0, 12), id="noon-unchanged"),
        pytest.param(on(1, 5, 30), on(1, 7, 30), on(1, 7), id="2h-before-07:30-to-07:00"),
        pytest.param(on(1, 5), on(1, 7), on(0, 20, 59), id="2h-before-07:00-to-evening-before"),
        pytest.param(on(1, 6), on(1, 6, 30), on(0, 20, 59), id="30m-before-06:30-to-evening"),
        pytest.param(on(0, 21, 30), on(0, 22), on(0, 20, 59), id="30m-before-22:00-same-evening"),
        pytest.param(on(0, 22), on(1, 22), on(1, 7), id="1d-before-22:00-to-07:00"),
        pytest.param(on(1, 6, 59), on(1, 7, 1), on(1, 7), id="window-end-just-before-start"),
    ],
)
def test_apply_quiet_hours_wrapping_window(
    due: datetime, starts_at: datetime, expected: datetime
) -> None:
    result = apply_quiet_hours(due, starts_at=starts_at, quiet=QUIET, zone=VN)
    assert result == expected
    assert result.tzinfo is not None
    local = result.astimezone(VN)
    assert (local.date(), local.time()) == (expected.date(), expected.time())


@pytest.mark.parametrize(
    ("due", "starts_at", "expected"),
    [
        pytest.param(on(0, 11, 59), on(3, 9), on(0, 11, 59), id="11:59-unchanged"),
        pytest.param(on(0, 12), on(3, 9), on(0, 13, 30), id="12:00-to-13:30"),
        pytest.param(on(0, 13, 29), on(3, 9), on(0, 13, 30), id="13:29-to-13:30"),
        pytest.param(on(0, 13, 30), on(3, 9), on(0, 13, 30), id="13:30-unchanged"),
        pytest.param(on(0, 23), on(3, 9), on(0, 23), id="night-unchanged"),
        pytest.param(on(0, 12, 30), on(0, 13, 30), on(0, 11, 59), id="end-equals-start"),
        pytest.param(on(0, 12, 30), on(0, 13), on(0, 11, 59), id="end-after-start"),
        pytest.param(on(0, 12, 30), on(0, 14), on(0, 13, 30), id="end-before-start"),
    ],
)
def test_apply_quiet_hours_non_wrapping_window(
    due: datetime, starts_at: datetime, expected: datetime
) -> None:
    result = apply_quiet_hours(due, starts_at=starts_at, quiet=LUNCH, zone=VN)
    assert result == expected
    assert result.tzinfo is not None


@pytest.mark.parametrize("due", [on(0, 21), on(0, 23, 59), on(1, 3), on(1, 6, 59), on(0, 12)])
def test_apply_quiet_hours_off_changes_nothing(due: datetime) -> None:
    assert apply_quiet_hours(due, starts_at=on(1, 7), quiet=None, zone=VN) is due


def test_apply_quiet_hours_reads_the_local_clock_of_utc_input() -> None:
    due = datetime(2026, 3, 18, 14, 0, tzinfo=UTC)  # 21:00 in Hanoi
    result = apply_quiet_hours(due, starts_at=on(3, 9), quiet=QUIET, zone=VN)
    assert result == on(1, 7)
    assert result.tzinfo is not None

    awake = datetime(2026, 3, 18, 13, 59, tzinfo=UTC)  # 20:59 in Hanoi
    assert apply_quiet_hours(awake, starts_at=on(3, 9), quiet=QUIET, zone=VN) == awake


# --- 3. in_quiet_hours --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "moment", "expected"),
    [
        ("21:00-07:00", time(20, 59, 59), False),
        ("21:00-07:00", time(21, 0), True),
        ("21:00-07:00", time(23, 59, 59), True),
        ("21:00-07:00", time(0, 0), True),
        ("21:00-07:00", time(6, 59, 59), True),
        ("21:00-07:00", time(7, 0), False),
        ("21:00-07:00", time(12, 0), False),
        ("12:00-13:30", time(11, 59, 59), False),
        ("12:00-13:30", time(12, 0), True),
        ("12:00-13:30", time(13, 29, 59), True),
        ("12:00-13:30", time(13, 30), False),
        ("12:00-13:30", time(0, 0), False),
        ("12:00-13:30", time(23, 0), False),
        ("00:00-06:00", time(0, 0), True),
        ("00:00-06:00", time(6, 0), False),
        ("00:00-06:00", time(23, 59), False),
        ("22:00-00:00", time(22, 0), True),
        ("22:00-00:00", time(23, 59, 59), True),
        ("22:00-00:00", time(0, 0), False),
    ],
)
def test_in_quiet_hours_boundaries(window: str, moment: time, expected: bool) -> None:
    quiet = parse_quiet_hours(window)
    assert quiet is not None
    assert in_quiet_hours(moment, quiet) is expected


# --- 4. merging ---------------------------------------------------------------------------


@pytest.mark.parametrize("leads", [[H2, M90], [M90, H2]])
def test_leads_landing_on_the_same_moment_keep_the_shorter(leads: list[timedelta]) -> None:
    starts_at = on(0, 8)  # 06:00 and 06:30 both move to 07:00
    planned = plan(starts_at, leads, on(-30, 8))
    assert planned == [PlannedReminder(M90, on(0, 7))]
    assert planned[0].label == "90m"


def test_leads_pulled_to_the_evening_before_merge_too() -> None:
    starts_at = on(1, 7)  # 05:00 and 06:30 both become 20:59 the evening before
    planned = plan(starts_at, [D1, H2, M30], on(-30, 8))
    assert summary(planned) == [("1d", on(0, 7)), ("30m", on(0, 20, 59))]


def test_merge_does_not_swallow_distinct_moments() -> None:
    starts_at = on(0, 10)  # 08:00 and 08:30: both outside quiet hours
    planned = plan(starts_at, [H2, M90], on(-30, 8))
    assert summary(planned) == [("2h", on(0, 8)), ("90m", on(0, 8, 30))]


# --- 5. past leads and catch-up -----------------------------------------------------------

RECEPTION = (D3, D1, H2)
START = on(0, 9)  # 3d due Sunday 09:00; 1d due Tuesday 09:00; 2h due Wednesday 07:00


@pytest.mark.parametrize("first_planning", [True, False])
def test_past_leads_are_dropped(first_planning: bool) -> None:
    now = on(-2, 10)  # Monday 10:00
    planned = [r for r in plan(START, RECEPTION, now, first_planning=first_planning) if r.lead]
    assert summary(planned) == [("1d", on(-1, 9)), ("2h", on(0, 7))]


def test_first_planning_adds_a_catch_up_now() -> None:
    now = on(-2, 10)
    planned = plan(START, RECEPTION, now, first_planning=True)
    assert summary(planned) == [("catchup", now), ("1d", on(-1, 9)), ("2h", on(0, 7))]
    assert planned[0].lead is None


def test_replanning_adds_no_catch_up() -> None:
    now = on(-2, 10)
    planned = plan(START, RECEPTION, now, first_planning=False)
    assert all(r.lead is not None for r in planned)


def test_nothing_missed_means_no_catch_up() -> None:
    now = on(-3, 8, 59)  # one minute before the 3d reminder
    planned = plan(START, RECEPTION, now, first_planning=True)
    assert [r.label for r in planned] == ["3d", "1d", "2h"]


def test_catch_up_in_quiet_hours_waits_for_morning() -> None:
    now = on(-2, 23)  # Monday 23:00: catch-up at Tuesday 07:00, 2h before the 1d reminder
    planned = plan(START, RECEPTION, now, first_planning=True)
    assert summary(planned) == [("catchup", on(-1, 7)), ("1d", on(-1, 9)), ("2h", on(0, 7))]


def test_catch_up_in_quiet_hours_after_midnight_waits_for_morning() -> None:
    now = on(-1, 2)  # Tuesday 02:00
    planned = plan(START, RECEPTION, now, first_planning=True)
    assert summary(planned) == [("catchup", on(-1, 7)), ("1d", on(-1, 9)), ("2h", on(0, 7))]


def test_catch_up_in_quiet_hours_goes_now_when_morning_is_too_late() -> None:
    starts_at = on(1, 7)  # Thursday 07:00: the window's end is not before the start
    now = on(0, 23)  # Wednesday 23:00; 1d (Wed 07:00) and 2h (Wed 20:59) both passed
    planned = plan(starts_at, [D1, H2], now, first_planning=True)
    assert summary(planned) == [("catchup", now)]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(on(-1, 8, 1), [("1d", on(-1, 9)), ("2h", on(0, 7))], id="59m-before"),
        pytest.param(on(-1, 8, 30), [("1d", on(-1, 9)), ("2h", on(0, 7))], id="30m-before"),
        pytest.param(on(-1, 9), [("1d", on(-1, 9)), ("2h", on(0, 7))], id="same-moment"),
        pytest.param(
            on(-1, 7, 59),
            [("catchup", on(-1, 7, 59)), ("1d", on(-1, 9)), ("2h", on(0, 7))],
            id="61m-before",
        ),
    ],
)
def test_catch_up_skipped_when_a_reminder_is_within_the_hour(
    now: datetime, expected: list[tuple[str, datetime]]
) -> None:
    assert summary(plan(START, RECEPTION, now, first_planning=True)) == expected


def test_quiet_catch_up_skipped_when_the_morning_reminder_is_at_the_same_time() -> None:
    now = on(-1, 23)  # Tuesday 23:00: catch-up would be 07:00, the 2h reminder's time
    planned = plan(START, RECEPTION, now, first_planning=True)
    assert summary(planned) == [("2h", on(0, 7))]


def test_all_leads_passed_leaves_only_the_catch_up() -> None:
    now = on(0, 8)
    assert summary(plan(START, RECEPTION, now, first_planning=True)) == [("catchup", now)]
    assert plan(START, RECEPTION, now, first_planning=False) == []


@pytest.mark.parametrize("now", [START, START + timedelta(minutes=1), START + timedelta(days=2)])
@pytest.mark.parametrize("first_planning", [True, False])
def test_started_event_gets_nothing(now: datetime, first_planning: bool) -> None:
    assert plan(START, RECEPTION, now, first_planning=first_planning) == []


def test_no_leads_no_reminders() -> None:
    assert plan(START, [], on(-30, 9), first_planning=True) == []


# --- 6. digest ----------------------------------------------------------------------------


@pytest.mark.parametrize("hour", [0, 7, 15, 23])
@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("21:00-07:00", time(7)),
        ("21:00-08:00", time(8)),
        ("off", time(7)),
        ("05:00-06:00", time(7)),
        ("06:00-07:30", time(7, 30)),
        ("07:00-09:00", time(9)),
    ],
)
def test_digest_due(hour: int, window: str, expected: time) -> None:
    result = digest_due(on(0, hour), quiet=parse_quiet_hours(window), zone=VN)
    assert result == datetime.combine(WEDNESDAY, expected, tzinfo=VN)
    assert result.tzinfo is not None


# --- 7. property --------------------------------------------------------------------------

LEAD_CHOICES = (M30, H2, D1, D3, D7)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[datetime, datetime, list[timedelta]]:
    day = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
    clock = time(draw(st.integers(0, 23)), draw(st.integers(0, 59)))
    starts_at = datetime.combine(day, clock, tzinfo=VN)
    before = draw(st.integers(min_value=1, max_value=10 * 24 * 60))
    now = starts_at - timedelta(minutes=before)
    leads = draw(st.lists(st.sampled_from(LEAD_CHOICES), unique=True))
    return starts_at, now, leads


@given(
    scenario=scenarios(),
    first_planning=st.booleans(),
    window=st.sampled_from(["21:00-07:00", "12:00-13:30", "off"]),
)
def test_planned_reminders_are_sound(
    scenario: tuple[datetime, datetime, list[timedelta]], first_planning: bool, window: str
) -> None:
    starts_at, now, leads = scenario
    quiet = parse_quiet_hours(window)
    planned = plan(starts_at, leads, now, first_planning=first_planning, quiet=quiet)

    dues = [r.due_at for r in planned]
    assert dues == sorted(dues)
    assert len(set(dues)) == len(dues)
    catch_ups = [r for r in planned if r.lead is None]
    assert len(catch_ups) <= 1
    if not first_planning:
        assert not catch_ups
    regular = [r.lead for r in planned if r.lead is not None]
    assert len(set(regular)) == len(regular)
    assert set(regular) <= set(leads)
    for reminder in planned:
        assert reminder.due_at.tzinfo is not None
        assert now <= reminder.due_at < starts_at
        if reminder.lead is None:
            continue
        if quiet is not None:
            assert not in_quiet_hours(reminder.due_at.astimezone(VN).time(), quiet)
        else:
            assert reminder.due_at == starts_at - reminder.lead


@pytest.mark.parametrize(
    ("quiet", "clock", "due"),
    [
        ("21:00-07:00", time(7, 29), False),
        ("21:00-07:00", time(7, 30), True),
        ("21:00-07:00", time(20, 59), True),
        ("21:00-07:00", time(21, 0), False),  # a late catch-up waits for tomorrow's
        ("22:00-08:00", time(7, 30), True),  # 07:30 inside the window: as the office set it
        ("00:30-06:00", time(23, 59), True),
        ("off", time(23, 59), True),
    ],
)
def test_the_daily_summary_is_due_from_0730_until_quiet_hours(
    quiet: str, clock: time, due: bool
) -> None:
    now = datetime.combine(date(2026, 12, 2), clock, VN)
    day = summary_day(now, quiet=parse_quiet_hours(quiet), zone=VN)
    assert day == (date(2026, 12, 2) if due else None)
