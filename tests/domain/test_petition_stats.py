"""The register's quarterly figures and the office's sentence, checked by hand."""

from __future__ import annotations

from datetime import date

from bot.domain.petition_stats import RegisterItem, register_figures, register_sentence

DUE = date(2026, 3, 31)


def _items() -> list[RegisterItem]:
    return [
        # council 1: 04 đơn (01 khiếu nại, 02 kiến nghị, 01 phản ánh), 03 forwarded,
        # 02 answered (01 on time, 01 late), 01 awaited; 02 opinions, 01 forwarded+answered
        RegisterItem(1, "complaint", "forwarded", DUE, date(2026, 3, 30)),
        RegisterItem(1, "proposal", "forwarded", DUE, date(2026, 4, 5)),
        RegisterItem(1, "proposal", "forwarded", DUE, None),
        RegisterItem(1, "feedback", "guided", None, None),
        RegisterItem(1, "opinion", "forwarded", DUE, date(2026, 3, 1)),
        RegisterItem(1, "opinion", "filed", None, None),
        # council 2: one denunciation, not yet handled
        RegisterItem(2, "denunciation", None, None, None),
    ]


def test_figures_per_council_and_overall() -> None:
    figures = register_figures(_items())
    one = figures[1]
    assert (one.petitions, one.forwarded, one.on_time, one.late, one.awaited) == (4, 3, 1, 1, 1)
    assert dict(one.types) == {"complaint": 1, "proposal": 2, "feedback": 1}
    assert (one.opinions, one.opinions_forwarded, one.opinions_answered) == (2, 1, 1)
    overall = figures[None]
    assert (overall.petitions, overall.types["denunciation"]) == (5, 1)


def test_the_office_wording() -> None:
    sentence = register_sentence(register_figures(_items())[1], "vi")
    assert sentence == (
        "Về đơn thư, ý kiến cử tri: tiếp nhận 04 đơn: 01 khiếu nại, 02 kiến nghị, 01 phản ánh; "
        "đã chuyển 03 đơn đến cơ quan có thẩm quyền, 02 đơn đã có văn bản trả lời "
        "(01 đúng hạn, 01 quá hạn), 01 đơn đang chờ trả lời; 02 ý kiến, kiến nghị cử tri, "
        "đã chuyển 01, đã được trả lời 01."
    )
    # DESIGN's petitions contract, word for word.
    assert "04 đơn: 01 khiếu nại, 02 kiến nghị, 01 phản ánh" in sentence


def test_zero_clauses_are_left_out() -> None:
    figures = register_figures([RegisterItem(2, "denunciation", None, None, None)])[2]
    assert (
        register_sentence(figures, "vi")
        == "Về đơn thư, ý kiến cử tri: tiếp nhận 01 đơn: 01 tố cáo."
    )
    assert "1 denunciation" in register_sentence(figures, "en")
