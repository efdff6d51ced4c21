"""Recipients as a secretary writes them after /thongbao."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.broadcasts import (
    FailureReason,
    Request,
    RequestError,
    Target,
    TargetKind,
    failure_reason,
    parse_request,
    parse_target,
    progress_bar,
)
from bot.domain.roster import LEVELS_ACCEPTED, parse_level
from bot.domain.tables import InvalidValue
from bot.i18n import get_translator


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("all", Request(Target(TargetKind.all))),
        ("Tất cả", Request(Target(TargetKind.all))),
        ("", Request(None)),
        ("hạn 2d", Request(None, deadline=timedelta(days=2))),
        ("level:commune", Request(Target(TargetKind.level, "commune"))),
        ("level: Province", Request(Target(TargetKind.level, "province"))),
        ("cấp: Xã", Request(Target(TargetKind.level, "commune"))),
        ("unit:Xã Mỹ Lộc", Request(Target(TargetKind.unit, "Xã Mỹ Lộc"))),
        (
            "unit: Thị trấn  Mỹ Lộc   han 12h",
            Request(Target(TargetKind.unit, "Thị trấn Mỹ Lộc"), deadline=timedelta(hours=12)),
        ),
        ("secretaries", Request(Target(TargetKind.secretaries))),
        ("thư ký", Request(Target(TargetKind.secretaries))),
        ("ML-001 ML-002;ML-003, ML-001", Request(
            Target(TargetKind.codes, codes=("ML-001", "ML-002", "ML-003")))),
        (
            "council:HDND-NT all deadline 3d",
            Request(Target(TargetKind.all), "HDND-NT", timedelta(days=3)),
        ),
        ("council:HDND-NT", Request(None, "HDND-NT")),
        # the contract's Vietnamese keywords and the 2026 targets
        ("tất cả hạn 2 ngày", Request(Target(TargetKind.all), deadline=timedelta(days=2))),
        ("tat ca han 48 giờ", Request(Target(TargetKind.all), deadline=timedelta(hours=48))),
        ("văn phòng", Request(Target(TargetKind.secretaries))),
        ("thường trực", Request(Target(TargetKind.standing))),
        ("standing", Request(Target(TargetKind.standing))),
        ("tổ: Tổ đại biểu số 1", Request(Target(TargetKind.group, "Tổ đại biểu số 1"))),
        ("group:Tổ 2", Request(Target(TargetKind.group, "Tổ 2"))),
        ("ban:Ban Pháp chế", Request(Target(TargetKind.committee, "Ban Pháp chế"))),
        ("đơn vị: Phường Một", Request(Target(TargetKind.unit, "Phường Một"))),
        ("cấp dưới thường trực", Request(Target(TargetKind.standing, children=True))),
        ("children all", Request(Target(TargetKind.all, children=True))),
        ("cấp dưới", Request(Target(TargetKind.all, children=True))),
        ("hđnd:NB-X1 tất cả", Request(Target(TargetKind.all), "NB-X1")),
        ("HĐND:NB-X1 ban:Pháp chế hạn 3 ngày", Request(
            Target(TargetKind.committee, "Pháp chế"), "NB-X1", timedelta(days=3))),
    ],
)  # fmt: skip
def test_requests(text: str, expected: Request) -> None:
    assert parse_request(text) == expected


@pytest.mark.parametrize(
    "text",
    ["level:ward", "unit:", "all hạn 2 tuần", "all hạn 1m", "all hạn 90d", ";", "tổ:",
     "cấp dưới cấp dưới all", "all hạn 31 ngày"],
)  # fmt: skip
def test_bad_requests_say_why(text: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse_request(text)
    assert caught.value.message


@pytest.mark.parametrize(
    "target",
    [
        Target(TargetKind.all),
        Target(TargetKind.secretaries),
        Target(TargetKind.level, "district"),
        Target(TargetKind.unit, "Xã Mỹ Lộc"),
        Target(TargetKind.codes, codes=("A-1", "B-2")),
        Target(TargetKind.correction, corrects_id=12),
        Target(TargetKind.standing),
        Target(TargetKind.group, "Tổ đại biểu số 1"),
        Target(TargetKind.committee, "Ban Kinh tế – Ngân sách"),
        Target(TargetKind.standing, children=True),
        Target(TargetKind.unit, "Phường Một", children=True),
    ],
)
def test_stored_form_reads_back(target: Target) -> None:
    assert parse_target(target.describe()) == target


@pytest.mark.parametrize(
    ("done", "total", "bar"),
    [
        (0, 526, "░░░░░░░░░░"),
        (268, 526, "▓▓▓▓▓░░░░░"),
        (525, 526, "▓▓▓▓▓▓▓▓▓░"),
        (526, 526, "▓▓▓▓▓▓▓▓▓▓"),
        (0, 0, "▓▓▓▓▓▓▓▓▓▓"),
    ],
)
def test_progress_bar(done: int, total: int, bar: str) -> None:
    assert progress_bar(done, total) == bar


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("blocked: Forbidden: bot was blocked by the user", FailureReason.blocked),
        ("unreachable", FailureReason.blocked),
        ("not linked", FailureReason.not_linked),
        ("inactive", FailureReason.inactive),
        ("rejected: Bad Request: message to copy not found", FailureReason.source_deleted),
        (None, FailureReason.other),
    ],
)
def test_failure_reasons(error: str | None, reason: FailureReason) -> None:
    assert failure_reason(error) == reason


@pytest.mark.parametrize(
    "text",
    ["correction:²", "correction:٣", "correction:", "correction:-1", "correction:01",
     "correction:2147483648", "correction:9999999999", "correction:1e3"],
)  # fmt: skip
def test_a_correction_id_is_read_as_buttons_carry_it(text: str) -> None:
    """``"²".isdigit()`` holds and ``int("²")`` raises; ``int("٣")`` is 3; an id past int4
    was never issued (and asyncpg refuses to look it up): each is the usual parse error."""
    with pytest.raises(RequestError) as caught:
        parse_target(text)
    assert caught.value.message == "Say who should receive the notice."


def test_the_largest_correction_id_reads_back() -> None:
    target = Target(TargetKind.correction, corrects_id=2**31 - 1)
    assert parse_target(target.describe()) == target


@pytest.mark.parametrize(
    ("text", "level"),
    [("cấp:phường", "commune"), ("cấp: đặc khu", "commune"), ("cap:xa", "commune"),
     ("cấp:thành phố", "province"), ("level:tỉnh", "province"), ("cấp:huyện", "district")],
)  # fmt: skip
def test_every_level_the_message_names_is_read(text: str, level: str) -> None:
    assert parse_target(text) == Target(TargetKind.level, level)


def test_an_unknown_level_names_the_levels_as_a_roster_does() -> None:
    vi = get_translator("vi")
    with pytest.raises(RequestError) as caught:
        parse_target("cấp:ấp")
    said = vi(caught.value.message).format(**caught.value.params)
    assert said == (
        "Không có cấp «ấp»: ghi một trong tỉnh (thành phố), xã (phường, đặc khu) (ví dụ cấp:xã)."
    )
    with pytest.raises(InvalidValue) as roster:
        parse_level("ấp")
    assert LEVELS_ACCEPTED in vi(roster.value.message).format(**roster.value.params)
    assert LEVELS_ACCEPTED in said
    assert "huyện" not in said
