"""Completion-report replies as delegates type them on a phone."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.reports import (
    MAX_NOTE,
    REPORTABLE_KINDS,
    Figures,
    NotHeldReason,
    ReplyProblem,
    ReportKind,
    example_reply,
    figures_summary,
    parse_reply,
)
from bot.i18n import get_translator

R, V, S = ReportKind.reception, ReportKind.voter_meeting, ReportKind.supervision


def rec(citizens: int, petitions: int, forwarded: int = 0, note: str = "") -> Figures:
    return Figures(citizens=citizens, petitions=petitions, forwarded=forwarded, note=note)


def vot(voters: int, opinions: int, note: str = "") -> Figures:
    return Figures(voters=voters, opinions=opinions, note=note)


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        # reception, positional
        (R, "12 3 1 chuyển UBND xã", rec(12, 3, 1, "chuyển UBND xã")),
        (R, "12 3", rec(12, 3)),
        (R, "12/3/1", rec(12, 3, 1)),
        (R, "12, 3", rec(12, 3)),
        (R, "12-3", rec(12, 3)),
        (R, "12 - 3 - 1", rec(12, 3, 1)),
        (R, "12 -3", rec(12, 3)),  # a dash after a figure separates
        (R, "12,3,1", rec(12, 3, 1)),  # several commas: a list, not decimals
        (R, "12\n3\n1", rec(12, 3, 1)),
        (R, "  12   3  ", rec(12, 3)),
        (R, "0 0", rec(0, 0)),
        (R, "10000 10000 10000", rec(10_000, 10_000, 10_000)),
        (R, "1.200 3", rec(1200, 3)),  # Vietnamese thousands separator
        (R, "12 3 1 5", rec(12, 3, 1, "5")),  # figures beyond the kind's count are note
        (R, "12 3 1 chuyển UBND xã 5", rec(12, 3, 1, "chuyển UBND xã 5")),
        (R, "12 3 chuyển UBND xã", rec(12, 3, 0, "chuyển UBND xã")),
        (R, "12 3 đã xử lý xong", rec(12, 3, 0, "đã xử lý xong")),
        (R, "12 3 có 2 đơn trùng", rec(12, 3, 0, "có 2 đơn trùng")),
        (R, "12 3 (chuyển UBND)", rec(12, 3, 0, "(chuyển UBND)")),
        (R, "12 3 1\nChuyển Thanh tra huyện", rec(12, 3, 1, "Chuyển Thanh tra huyện")),
        (R, "12 🙏 3", rec(12, 3)),
        (R, "👍 12 3 1", rec(12, 3, 1)),
        # reception, labels
        (R, "12 công dân, 3 đơn", rec(12, 3)),
        (R, "12 cong dan 3 don thu 1 chuyen", rec(12, 3, 1)),
        (R, "công dân: 12; đơn thư: 3; chuyển: 1", rec(12, 3, 1)),
        (R, "CÔNG DÂN: 12, ĐƠN THƯ: 3", rec(12, 3)),
        (R, "12 lượt công dân, 3 đơn thư, đã chuyển 1", rec(12, 3, 1)),
        (R, "3 đơn 12 công dân", rec(12, 3)),
        (R, "đơn thư 3, công dân 12", rec(12, 3)),
        (R, "12 3 chuyển 1", rec(12, 3, 1)),
        (R, "Tiếp 12 công dân, nhận 3 đơn, chuyển 1", rec(12, 3, 1)),
        (R, "12 công dân và 3 đơn thư", rec(12, 3)),
        (R, "Công dân: 12\nĐơn thư: 3\nChuyển: 1", rec(12, 3, 1)),
        (R, "12 công dân 3 đơn ghi chú: đã trả lời tại chỗ", rec(12, 3, 0, "đã trả lời tại chỗ")),
        (R, "12 lượt công dân, 3 đơn thư về đất đai", rec(12, 3, 0, "đơn thư về đất đai")),
        (R, "3 đơn thư khiếu nại 12 công dân", rec(12, 3)),
        (R, "12 citizens 3 petitions 1 forwarded", rec(12, 3, 1)),
        # reception, nobody came (the commonest answer at commune level)
        (R, "0", rec(0, 0)),
        (R, "0.", rec(0, 0)),
        (R, "không", rec(0, 0)),
        (R, "Không.", rec(0, 0)),
        (R, "ko", rec(0, 0)),
        (R, "không có", rec(0, 0)),
        (R, "Không có ai", rec(0, 0)),
        (R, "không có công dân", rec(0, 0)),
        (R, "Không có công dân đến", rec(0, 0)),
        (R, "không có công dân nào đến", rec(0, 0)),
        (R, "khong co cong dan den", rec(0, 0)),
        (R, "Không có công dân đến làm việc", rec(0, 0)),
        (R, "Không có ai đến", rec(0, 0)),
        (R, "không có lượt công dân nào", rec(0, 0)),
        (R, "0 công dân", rec(0, 0)),
        (R, "công dân: 0", rec(0, 0)),
        (R, "0 0 0", rec(0, 0, 0)),
        (
            R,
            "Không có công dân đến, buổi tiếp diễn ra đúng giờ",
            rec(0, 0, 0, "buổi tiếp diễn ra đúng giờ"),
        ),
        # reception, no petitions
        (R, "tiếp 5 công dân không có đơn", rec(5, 0)),
        (R, "5 công dân, không có đơn", rec(5, 0)),
        (R, "5 công dân, không có đơn thư", rec(5, 0)),
        (R, "Tiếp 5 lượt công dân, không nhận đơn", rec(5, 0)),
        (R, "5 cong dan khong co don", rec(5, 0)),
        (R, "không có đơn, 5 công dân", rec(5, 0)),
        (R, "5 công dân không có đơn, hướng dẫn tại chỗ", rec(5, 0, 0, "hướng dẫn tại chỗ")),
        # reception, written as a sentence with a breakdown in brackets
        (
            R,
            "Tiếp 7 lượt công dân, nhận 02 đơn (01 khiếu nại, 01 kiến nghị), "
            "đã chuyển 01 đơn đến UBND xã",
            rec(7, 2, 1, "(01 khiếu nại, 01 kiến nghị), đã chuyển 01 đơn đến UBND xã"),
        ),
        (
            R,
            "7 công dân, 2 đơn (1 khiếu nại, 1 phản ánh), 2 đơn đã chuyển UBND xã",
            rec(7, 2, 2, "(1 khiếu nại, 1 phản ánh), 2 đơn đã chuyển UBND xã"),
        ),
        (R, "12 3 (1 chuyển UBND xã)", rec(12, 3, 1, "(1 chuyển UBND xã)")),
        (R, "12 3 (đất đai)", rec(12, 3, 0, "(đất đai)")),
        (R, "12 3 (chuyển 9 đơn)", rec(12, 3, 0, "(chuyển 9 đơn)")),  # 9 > 3: not a figure
        (R, "Tiếp 04 công dân, 01 đơn", rec(4, 1)),
        (R, "tiếp nhận 3 đơn, tiếp 12 công dân", rec(12, 3)),
        (R, "Có 12 công dân, 3 đơn", rec(12, 3)),
        # reception, refused
        (R, "không có đơn", None),  # and the citizens?
        (R, "", None),
        (R, "   \n ", None),
        (R, "12", None),
        (R, "12 công dân", None),
        (R, "đơn thư 3", None),
        (R, "-12 3", None),
        (R, "công dân -5 đơn 3", None),
        (R, "12.5 3", None),
        (R, "12,5", None),
        (R, "12 3,5", None),
        (R, "12.000 3", None),
        (R, "10001 1", None),
        (R, "99999999999999999999 3", None),
        (R, "12 3 5", None),  # forwarded more than petitions
        (R, "Ghi chú: 12 3", None),
        # voter meeting
        (V, "85 12", vot(85, 12)),
        (V, "85 cử tri, 12 ý kiến", vot(85, 12)),
        (V, "cu tri 85 y kien 12 ghi chú: đường xuống cấp", vot(85, 12, "đường xuống cấp")),
        (V, "85 cử tri tham dự, 12 ý kiến, kiến nghị", vot(85, 12)),
        (V, "12 ý kiến 85 cử tri", vot(85, 12)),
        (V, "85 cử tri 12 ý kiến về giao thông", vot(85, 12, "ý kiến về giao thông")),
        (V, "85; 12; cử tri phản ánh ngập úng", vot(85, 12, "cử tri phản ánh ngập úng")),
        (V, "85 12 3", vot(85, 12, "3")),
        (
            V,
            "Có 85 cử tri dự, 12 ý kiến về đường giao thông",
            vot(85, 12, "ý kiến về đường giao thông"),
        ),
        (V, "Có 85 cử tri tham dự, 12 ý kiến", vot(85, 12)),
        (V, "85 cử tri, không có ý kiến", vot(85, 0)),
        (V, "85 cử tri dự, không có ý kiến kiến nghị", vot(85, 0)),
        (V, "Hội nghị có 120 cử tri", None),
        (V, "120 cử tri tham dự; 15 ý kiến, kiến nghị", vot(120, 15)),
        (V, "cử tri: 1.250, ý kiến: 40", vot(1250, 40)),
        (V, "85", None),
        (V, "85 cử tri", None),
        (V, "ý kiến 12", None),
        (V, "85 -12", vot(85, 12)),
        (V, "85 12,5", None),
        (V, "", None),
        # supervision
        (S, "-", Figures()),
        (S, " Không ", Figures()),
        (
            S,
            "Giám sát việc giải quyết đơn thư tại xã A",
            Figures(note="Giám sát việc giải quyết đơn thư tại xã A"),
        ),
        (S, "  12 hộ chưa được bồi thường \n", Figures(note="12 hộ chưa được bồi thường")),
        (S, "✅", Figures(note="✅")),
        (S, "", None),
        (S, " \n\t", None),
    ],
)
def test_reply_is_read(kind: ReportKind, text: str, expected: Figures | None) -> None:
    result = parse_reply(kind, text)
    if expected is None:
        assert isinstance(result, ReplyProblem), result
        assert "example" in result.params
    else:
        assert result == expected


@pytest.mark.parametrize(
    ("text", "message", "params"),
    [
        (
            "-12 3",
            "{value} is negative; please write whole numbers, for example: {example}",
            {"value": "-12"},
        ),
        (
            "12.5 3",
            "{value} is not a whole number; please check, for example: {example}",
            {"value": "12.5"},
        ),
        (
            "12 3,5",
            "{value} is not a whole number; please check, for example: {example}",
            {"value": "3,5"},
        ),
        (
            "12.000 3",
            "{value} is above 10,000; please check the figure, for example: {example}",
            {"value": "12.000"},
        ),
        ("12", "Please add the number of petitions, for example: {example}", {}),
        ("đơn 3", "Please add the number of citizens, for example: {example}", {}),
        ("", "Please write the number of citizens and of petitions, for example: {example}", {}),
        (
            "12 3 5",
            "{forwarded} petitions forwarded is more than the {petitions} received; "
            "please check, for example: {example}",
            {"forwarded": "5", "petitions": "3"},
        ),
    ],
)
def test_problem_names_the_fault(text: str, message: str, params: dict[str, str]) -> None:
    assert parse_reply(R, text) == ReplyProblem(message, {**params, "example": example_reply(R)})


def test_voter_meeting_problems_name_voter_fields() -> None:
    example = {"example": example_reply(V)}
    assert parse_reply(V, "85") == ReplyProblem(
        "Please add the number of opinions, for example: {example}", example
    )
    assert parse_reply(V, "ý kiến 12") == ReplyProblem(
        "Please add the number of voters, for example: {example}", example
    )


def test_a_huge_number_is_shown_shortened() -> None:
    problem = parse_reply(R, "9" * 5000 + " 3")
    assert isinstance(problem, ReplyProblem)
    assert len(problem.params["value"]) <= 12


def test_note_is_capped() -> None:
    result = parse_reply(R, "12 3 ghi chú " + "x" * 2000)
    assert isinstance(result, Figures)
    assert result.note == "x" * MAX_NOTE
    assert parse_reply(S, "y" * 2000) == Figures(note="y" * MAX_NOTE)


def test_examples_are_read() -> None:
    for kind in ReportKind:
        assert isinstance(parse_reply(kind, example_reply(kind)), Figures)
    assert example_reply("reception") == "12 3 1 chuyển UBND xã"


def test_kinds() -> None:
    assert frozenset({"reception", "voter_meeting", "supervision"}) == REPORTABLE_KINDS
    assert {reason.value for reason in NotHeldReason} == {"postponed", "clash", "personal", "other"}
    with pytest.raises(ValueError, match="meeting"):
        parse_reply("meeting", "12 3")
    with pytest.raises(ValueError, match="meeting"):
        example_reply("meeting")


@pytest.mark.parametrize("kind", sorted(REPORTABLE_KINDS))
@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_any_text_gets_an_answer(kind: str, text: str) -> None:
    result = parse_reply(kind, text)
    assert isinstance(result, Figures | ReplyProblem)
    if isinstance(result, Figures):
        assert len(result.note) <= MAX_NOTE
        figures = (result.citizens, result.petitions, result.forwarded, result.voters)
        assert all(0 <= value <= 10_000 for value in figures if value is not None)


@pytest.mark.parametrize("kind", sorted(REPORTABLE_KINDS))
@settings(max_examples=100, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("0123456789 .,-–:;/\ncông dân đơn thư chuyển cử tri ý kiến")),
        min_size=4000,
        max_size=4000,
    )
)
def test_long_replies_are_quick(kind: str, text: str) -> None:
    started = time.perf_counter()
    parse_reply(kind, text)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "text",
    ["công dân " * 450, "1," * 2000, "9" * 4000, "- " * 2000, "12 3 " + "a " * 2000, "đ" * 4000],
)
def test_pathological_replies_are_quick(text: str) -> None:
    for kind in REPORTABLE_KINDS:
        started = time.perf_counter()
        parse_reply(kind, text)
        assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("kind", "figures", "language", "expected"),
    [
        (R, rec(12, 3, 1), "vi", "12 lượt công dân, 3 đơn thư (chuyển 1)"),
        (R, rec(12, 3), "vi", "12 lượt công dân, 3 đơn thư"),
        (R, rec(12, 3, 1), "en", "12 citizens, 3 petitions, 1 forwarded"),
        (
            R,
            rec(12, 3, 0, "chuyển UBND xã"),
            "vi",
            "12 lượt công dân, 3 đơn thư\nGhi chú: chuyển UBND xã",
        ),
        (V, vot(85, 12), "vi", "85 lượt cử tri tham dự; 12 ý kiến, kiến nghị"),
        (V, vot(85, 12, "{x}"), "en", "85 voters, 12 opinions\nNote: {x}"),
        (S, Figures(), "vi", "Đã thực hiện giám sát, không có ghi chú"),
        (S, Figures(note="Kiểm tra hồ sơ"), "vi", "Kết quả giám sát: Kiểm tra hồ sơ"),
        (R, Figures(), "en", "– citizens, – petitions"),
    ],
)
def test_figures_summary(kind: ReportKind, figures: Figures, language: str, expected: str) -> None:
    assert figures_summary(kind, figures, get_translator(language)) == expected


def test_summary_of_a_parsed_reply() -> None:
    figures = parse_reply("reception", "12 cong dan 3 don thu 1 chuyen")
    assert isinstance(figures, Figures)
    assert figures_summary("reception", figures, get_translator("vi")) == (
        "12 lượt công dân, 3 đơn thư (chuyển 1)"
    )
