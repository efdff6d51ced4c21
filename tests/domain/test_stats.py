"""Quarterly aggregates over plain rows: quarters, totals, rates, the council's words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.quarters import Quarter, QuarterError, recent_quarters
from bot.domain.stats import (
    CouncilInfo,
    Counts,
    DelegateRow,
    KindRow,
    PeriodRows,
    Statistics,
    UnitKindRow,
    aggregate,
)
from bot.domain.stats_text import figure, rate, summary_text

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
COUNCIL = CouncilInfo(1, "HDND-ML", "HĐND xã Mỹ Lộc")


# --- quarters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "label"),
    [
        ("2022-Q1", Quarter(2022, 1), "2022-Q1"),
        ("2026-q4", Quarter(2026, 4), "2026-Q4"),
        (" 2025 - Q2 ", Quarter(2025, 2), "2025-Q2"),
        # As the office writes it (contract: --quarter).
        ("Q4/2026", Quarter(2026, 4), "2026-Q4"),
        ("IV/2026", Quarter(2026, 4), "2026-Q4"),
        ("quý IV/2026", Quarter(2026, 4), "2026-Q4"),
        ("Quý IV/2026", Quarter(2026, 4), "2026-Q4"),
        ("QUÝ IV/2026", Quarter(2026, 4), "2026-Q4"),
        ("quý 4/2026", Quarter(2026, 4), "2026-Q4"),
        ("quy iv/2026", Quarter(2026, 4), "2026-Q4"),
        ("II/2026", Quarter(2026, 2), "2026-Q2"),
        ("III / 2026", Quarter(2026, 3), "2026-Q3"),
        ("I/2027", Quarter(2027, 1), "2027-Q1"),
        ("4/2026", Quarter(2026, 4), "2026-Q4"),
    ],
)
def test_parse_quarter(text: str, expected: Quarter, label: str) -> None:
    assert Quarter.parse(text) == expected
    assert expected.label == label


@pytest.mark.parametrize(
    "text",
    ["2022-Q5", "2022-Q0", "Q1-2022", "2022Q1x", "", "2022-1", "V/2026", "IIII/2026", "quý/2026"],
)
def test_bad_quarter(text: str) -> None:
    with pytest.raises(QuarterError):
        Quarter.parse(text)


def test_quarter_bounds_are_local_midnights() -> None:
    start, end = Quarter(2026, 1).bounds(ZONE)
    assert start == datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
    last_evening = datetime(2026, 3, 31, 23, 30, tzinfo=ZONE)  # 16:30 UTC: still Q1
    assert start <= last_evening < end
    next_night = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)  # 01:00 on 1 April locally: Q2
    assert not next_night < end
    q4_start, q4_end = Quarter(2026, 4).bounds(ZONE)
    assert (q4_start.month, q4_end.year, q4_end.month, q4_end.day) == (9, 2026, 12, 31)


def test_previous_following_and_recent() -> None:
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2025, 4).following() == Quarter(2026, 1)
    assert Quarter.containing(date(2026, 11, 26)) == Quarter(2026, 4)
    assert [q.label for q in recent_quarters(date(2026, 2, 1))] == [
        "2026-Q1",
        "2025-Q4",
        "2025-Q3",
        "2025-Q2",
    ]
    assert Quarter(2022, 3).roman == "III"


# --- counts and aggregation -----------------------------------------------------------------


def test_counts_add_and_rate() -> None:
    a = Counts(assigned=4, held=2, not_held_clash=1, unreported=1, citizens=10)
    b = Counts(assigned=2, held=1, upcoming=1, citizens=5)
    both = a + b
    assert (both.assigned, both.held, both.not_held, both.due, both.citizens) == (6, 3, 1, 5, 15)
    assert both.completion_rate == pytest.approx(0.6)
    assert Counts(assigned=1, upcoming=1).completion_rate is None


def _unit(
    unit: str, kind: str, counts: Counts, sessions: int = 0, standing: int = 0, council: int = 1
) -> UnitKindRow:
    return UnitKindRow(council, unit, kind, counts, sessions, standing)


def _delegate(number: int, unit: str, counts: Counts) -> DelegateRow:
    return DelegateRow(number, f"ML-{number:03d}", f"Đại biểu {number}", unit, counts)


def test_units_kinds_totals_and_sessions() -> None:
    current = PeriodRows(
        units=[
            _unit("Xã B", "reception", Counts(assigned=3, held=3, citizens=7), 2, standing=2),
            _unit("Xã Ấ", "reception", Counts(assigned=1, not_held_personal=1)),
            _unit("Xã Ấ", "deadline", Counts(assigned=1, unreported=1)),
            _unit("Xã C", "reception", Counts()),  # nothing assigned: no line
        ],
        kinds=[
            KindRow(1, "reception", held=2, ended=3),
            KindRow(1, "deadline", held=0, ended=1),
        ],
        delegates=[
            _delegate(2, "Xã B", Counts(assigned=1, held=1)),
            _delegate(1, "Xã B", Counts(assigned=2, held=2, citizens=7)),
            _delegate(3, "Xã Ấ", Counts(assigned=1, not_held_personal=1)),
        ],
    )
    previous = PeriodRows(
        units=[_unit("Xã B", "reception", Counts(assigned=1, held=1), 1)],
        kinds=[KindRow(1, "reception", held=1, ended=1)],
        delegates=[_delegate(1, "Xã B", Counts(assigned=1, held=1))],
    )
    stats = aggregate(Quarter(2026, 1), [COUNCIL], current, previous)
    keys = [(line.unit, line.kind) for line in stats.lines]
    # "Xã Ấ" sorts before "Xã B" (diacritics folded); kinds in report order.
    assert keys == [
        ("Xã Ấ", "reception"),
        ("Xã Ấ", "deadline"),
        ("Xã B", "reception"),
        ("TOTAL", "reception"),
        ("TOTAL", "deadline"),
        ("TOTAL", "all"),
    ]
    reception = stats.lines[3]
    assert (reception.counts.assigned, reception.counts.held, reception.sessions) == (4, 3, 2)
    assert (reception.previous.held, reception.previous_sessions) == (1, 1)
    assert (stats.lines[2].sessions, stats.lines[2].previous_sessions) == (2, 1)
    assert stats.overall.counts.assigned == 5
    assert [(u.unit, u.counts.held, u.counts.not_held) for u in stats.units] == [
        ("Xã Ấ", 0, 1),
        ("Xã B", 3, 0),
    ]
    assert [(d.code, d.counts.assigned, d.previous.held) for d in stats.delegates] == [
        ("ML-001", 2, 1),
        ("ML-002", 1, 0),
        ("ML-003", 1, 0),
    ]
    (summary,) = stats.summaries
    assert summary.current.standing_committee_receptions == 2
    assert summary.current.sessions["reception"] == 2
    assert summary.current.reported().assigned == 4  # the deadline is not reported on


def test_moved_delegate_is_listed_under_both_units() -> None:
    current = PeriodRows(
        units=[
            _unit("Xã Mới", "reception", Counts(assigned=1, held=1), 1),
            _unit("Xã Cũ", "reception", Counts(assigned=1, unreported=1)),
        ],
        delegates=[
            _delegate(7, "Xã Mới", Counts(assigned=1, held=1)),
            _delegate(7, "Xã Cũ", Counts(assigned=1, unreported=1)),
        ],
    )
    stats = aggregate(Quarter(2026, 1), [COUNCIL], current, PeriodRows())
    assert [line.unit for line in stats.lines[:2]] == ["Xã Cũ", "Xã Mới"]
    (delegate,) = stats.delegates
    assert delegate.units == ("Xã Cũ", "Xã Mới")
    assert (delegate.counts.assigned, delegate.counts.held) == (2, 1)


def test_several_councils_give_one_summary_per_level() -> None:
    """Councils without a level (before 0014) are one group; two communes add up, a
    single council of its level is named."""
    other = CouncilInfo(2, "HDND-X", "HĐND phường X")
    current = PeriodRows(
        units=[
            _unit("Xã B", "reception", Counts(assigned=1, held=1), 1),
            _unit("Phường Một", "reception", Counts(assigned=2, held=2), 1, council=2),
        ],
        kinds=[KindRow(1, "reception", 1, 1), KindRow(2, "reception", 1, 1)],
    )
    stats = aggregate(Quarter(2026, 1), [other, COUNCIL], current, PeriodRows())
    (both,) = stats.summaries
    assert (both.council, both.level, both.count) == (None, None, 2)
    assert both.current.of("reception").held == 3
    assert both.current.sessions["reception"] == 2
    province = CouncilInfo(1, "HDND-T", "HĐND tỉnh", "province")
    communes = [CouncilInfo(n, f"X{n}", f"HĐND xã {n}", "commune", 1) for n in (2, 3)]
    current = PeriodRows(
        units=[_unit("U", "reception", Counts(assigned=1, held=1), 1, council=n) for n in (1, 2, 3)]
    )
    summaries = aggregate(Quarter(2026, 1), [*communes, province], current, PeriodRows()).summaries
    assert [(s.council, s.level, s.count) for s in summaries] == [
        (province, "province", 1),
        (None, "commune", 2),
    ]


# --- words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [(0, "0", "0"), (4, "04", "4"), (10, "10", "10"), (1250, "1.250", "1,250")],
)
def test_figures_are_written_as_council_reports_do(value: int, vi: str, en: str) -> None:
    assert figure(value, "vi") == vi
    assert figure(value, "en") == en


def test_rates() -> None:
    assert rate(0.8642, "vi") == "86,4%"
    assert rate(0.8642, "en") == "86.4%"
    assert rate(None, "vi") == "–"


def test_text_in_english_and_without_anything() -> None:
    current = PeriodRows(
        units=[_unit("Xã B", "supervision", Counts(assigned=1, held=1), 1)],
        kinds=[KindRow(1, "supervision", held=1, ended=1)],
    )
    stats = aggregate(Quarter(2022, 1), [COUNCIL], current, PeriodRows())
    assert summary_text(stats, "en").splitlines()[0] == (
        "In quarter I/2022, HĐND xã Mỹ Lộc held 1 supervision visit(s)."
    )
    empty = aggregate(Quarter(2022, 1), [COUNCIL], PeriodRows(), PeriodRows())
    assert empty.lines[-1].counts == Counts()
    assert summary_text(empty, "vi").splitlines()[0] == (
        "Trong quý I/2022, HĐND xã Mỹ Lộc không có hoạt động tiếp công dân, tiếp xúc cử tri,"
        " giám sát hay kỳ họp."
    )


def statistics_with_units(count: int) -> Statistics:
    """A quarter with ``count`` units of varied figures (also used by the chart test)."""
    rows = [
        _unit(
            f"Xã Thử Nghiệm Đồng Tâm {n + 1:02d}",
            "reception",
            Counts(
                assigned=20 + n,
                held=12 + n % 5,
                not_held_postponed=n % 3,
                unreported=20 + n - 12 - n % 5 - n % 3,
            ),
        )
        for n in range(count)
    ]
    return aggregate(Quarter(2026, 1), [COUNCIL], PeriodRows(rows), PeriodRows())


@pytest.mark.parametrize(
    ("args", "quarter", "code"),
    [
        (["quý", "IV/2026", "HDND-ML"], Quarter(2026, 4), "HDND-ML"),
        (["HDND-ML", "Q4/2026"], Quarter(2026, 4), "HDND-ML"),
        (["2026-Q4"], Quarter(2026, 4), None),
    ],
)
def test_thongke_reads_the_quarter_as_the_office_writes_it(
    args: list[str], quarter: Quarter, code: str | None
) -> None:
    from bot.telegram.stats import _arguments

    assert _arguments(args) == (quarter, code)


def test_same_named_units_of_two_councils_stay_apart() -> None:
    """The all-councils table: "Thị trấn An Thịnh" of the district and of the town's own
    council are two rows, each with its council's code."""
    other = CouncilInfo(2, "HDND-X", "HĐND thị trấn An Thịnh")
    current = PeriodRows(
        units=[
            _unit("Thị trấn An Thịnh", "reception", Counts(assigned=1, held=1), 1),
            _unit("Thị trấn An Thịnh", "reception", Counts(assigned=2, held=2), 2, council=2),
        ]
    )
    stats = aggregate(Quarter(2026, 1), [COUNCIL, other], current, PeriodRows())
    assert [(line.council, line.unit, line.counts.held) for line in stats.lines[:2]] == [
        ("HDND-ML", "Thị trấn An Thịnh", 1),
        ("HDND-X", "Thị trấn An Thịnh", 2),
    ]
    assert stats.lines[-1].counts.held == 3
    single = aggregate(Quarter(2026, 1), [COUNCIL], current, PeriodRows())
    assert single.lines[0].council == ""
