"""The quarterly text as the office writes it, on hand-computed figures.

The figures are those of the seed's Mê Linh quarter (I/2022): the district council's 81
periodic reception turns and 54 delegate receptions, 04 petitions forwarded; the
communes' 445 receptions, 48 voter meetings and 24 supervisions.
"""

from __future__ import annotations

from bot.domain.quarters import Quarter
from bot.domain.stats import (
    CouncilInfo,
    Counts,
    KindRow,
    PeriodRows,
    Statistics,
    UnitKindRow,
    aggregate,
    completion_rate,
)
from bot.domain.stats_text import council_sentences, summary_text

DISTRICT = CouncilInfo(1, "HDND-ML", "HĐND huyện Mê Linh", "district")
COMMUNES = (
    CouncilInfo(2, "HDND-TP", "HĐND xã Tiền Phong", "commune", 1),
    CouncilInfo(3, "HDND-VY", "HĐND xã Văn Yên", "commune", 1),
)
Q1 = Quarter(2022, 1)

# District: 60 reception occasions held, 6 of them the periodic reception with 81 turns
# (so 54 delegate occasions, 54 turns); 5 turns by the Standing Committee.
CURRENT = PeriodRows(
    units=[
        UnitKindRow(
            1,
            "Huyện Mê Linh",
            "reception",
            Counts(
                assigned=140,
                held=135,
                not_held_clash=3,
                unreported=2,
                citizens=120,
                petitions=4,
                forwarded=4,
            ),
            sessions=60,
            standing_committee_held=5,
            periodic_held=81,
            periodic_sessions=6,
        ),
        UnitKindRow(1, "Huyện Mê Linh", "session", Counts(assigned=35, held=35), 1),
        UnitKindRow(2, "Xã Tiền Phong", "reception", Counts(assigned=300, held=300), 300),
        UnitKindRow(
            2,
            "Xã Tiền Phong",
            "voter_meeting",
            Counts(assigned=30, held=30, voters=1550, opinions=157),
            30,
        ),
        UnitKindRow(2, "Xã Tiền Phong", "supervision", Counts(assigned=10, held=10), 10),
        UnitKindRow(3, "Xã Văn Yên", "reception", Counts(assigned=145, held=145), 145),
        UnitKindRow(3, "Xã Văn Yên", "voter_meeting", Counts(assigned=18, held=18), 18),
        UnitKindRow(3, "Xã Văn Yên", "supervision", Counts(assigned=14, held=14), 14),
    ],
    kinds=[
        KindRow(1, "reception", held=60, ended=62, periodic_held=6),
        KindRow(1, "session", held=0, ended=1),
        KindRow(2, "reception", 300, 300),
        KindRow(2, "voter_meeting", 30, 30),
        KindRow(2, "supervision", 10, 10),
        KindRow(3, "reception", 145, 145),
        KindRow(3, "voter_meeting", 18, 18),
        KindRow(3, "supervision", 14, 14),
    ],
)
PREVIOUS = PeriodRows(
    units=[
        UnitKindRow(1, "Huyện Mê Linh", "reception", Counts(assigned=10, held=8, unreported=2), 8)
    ],
    kinds=[KindRow(1, "reception", 8, 10)],
)
YEAR_AGO = PeriodRows(
    units=[UnitKindRow(1, "Huyện Mê Linh", "supervision", Counts(assigned=2, held=2), 1)],
    kinds=[KindRow(1, "supervision", 1, 1)],
)

EXPECTED = """\
Trong quý I/2022, HĐND huyện Mê Linh đã tổ chức 81 lượt tiếp công dân định kỳ. \
Đại biểu HĐND huyện Mê Linh đã tiếp công dân 54 buổi theo phân công (54 lượt đại biểu, \
trong đó Thường trực HĐND 05 lượt). Đã tiếp 120 lượt công dân, tiếp nhận 04 đơn khiếu \
nại, tố cáo, kiến nghị, phản ánh, đã chuyển 04 đơn đến cơ quan có thẩm quyền giải quyết \
theo quy định. Tổ chức 01 kỳ họp.
So với quý trước (quý IV/2021): 08 buổi tiếp công dân; cùng kỳ năm 2021 (quý I/2021): \
01 cuộc giám sát.

Trong quý I/2022, đại biểu HĐND các xã, phường (02 xã, phường) đã tiếp công dân 445 buổi \
theo phân công (445 lượt đại biểu). Tổ chức 48 hội nghị tiếp xúc cử tri với 1.550 lượt \
cử tri tham dự, tiếp nhận 157 ý kiến, kiến nghị. Tổ chức 24 cuộc giám sát.
So với quý trước (quý IV/2021): không có hoạt động; cùng kỳ năm 2021 (quý I/2021): \
không có hoạt động.

Theo dõi nội bộ (không đưa vào báo cáo):
HĐND huyện Mê Linh: 175 lượt hoạt động đã diễn ra; 170 lượt thực hiện (tỷ lệ thực hiện \
97,1%, quý trước 80,0%); 03 lượt không thực hiện (trùng lịch 03); 02 lượt chưa báo cáo.
HĐND các xã, phường (02 xã, phường): 517 lượt hoạt động đã diễn ra; 517 lượt thực hiện \
(tỷ lệ thực hiện 100,0%, quý trước –)."""


def _stats(*councils: CouncilInfo) -> Statistics:
    return aggregate(Q1, councils, CURRENT, PREVIOUS, year_ago=YEAR_AGO)


def test_district_and_its_communes_one_paragraph_per_level() -> None:
    assert summary_text(_stats(DISTRICT, *COMMUNES), "vi") == EXPECTED


def test_the_communes_paragraph_names_them_as_the_contract_does() -> None:
    """DESIGN: one paragraph per level, the council itself, then "HĐND các xã, phường"."""
    text = summary_text(_stats(DISTRICT, *COMMUNES), "vi")
    pasteable, _follow_up = text.split("\n\nTheo dõi nội bộ")
    district, communes = pasteable.split("\n\n")
    assert "HĐND huyện Mê Linh" in district
    assert communes.startswith("Trong quý I/2022, đại biểu HĐND các xã, phường (02 xã, phường) ")
    assert "HĐND 2 xã" not in text
    assert "the commune and ward councils (2 communes and wards)" in summary_text(
        _stats(DISTRICT, *COMMUNES), "en"
    )


def test_no_zero_is_ever_written_00() -> None:
    for councils in ((DISTRICT,), COMMUNES[:1], (DISTRICT, *COMMUNES)):
        text = summary_text(_stats(*councils), "vi")
        assert " 00" not in text
        assert "(00" not in text
        assert "HDND-" not in text  # named, never by code


def test_nothing_reported_says_so() -> None:
    """Receptions took place, nobody reported: the clause stays, saying so."""
    rows = PeriodRows(
        units=[UnitKindRow(2, "Xã", "reception", Counts(assigned=4, unreported=4), 0)],
        kinds=[KindRow(2, "reception", held=0, ended=4)],
    )
    text = summary_text(aggregate(Q1, [COMMUNES[0]], rows, PeriodRows()), "vi")
    assert text.splitlines()[0] == (
        "Trong quý I/2022, HĐND xã Tiền Phong tiếp công dân: 04 buổi theo lịch, "
        "chưa có báo cáo kết quả."
    )
    assert text.endswith(
        "HĐND xã Tiền Phong: 04 lượt hoạt động đã diễn ra; chưa lượt nào thực hiện; "
        "04 lượt chưa báo cáo."
    )


def test_a_paragraph_takes_one_more_sentence() -> None:
    """Another feature (the petitions register) appends its sentence per council."""
    (summary,) = _stats(DISTRICT).summaries
    sentences = council_sentences(summary, Q1, "vi")
    assert sentences[-1] == "Tổ chức 01 kỳ họp."
    assert sentences[0].startswith("Trong quý I/2022, HĐND huyện Mê Linh đã tổ chức 81 lượt")


def test_the_one_completion_rate() -> None:
    assert completion_rate(Counts(assigned=5, held=3, not_held_other=1, unreported=1)) == 0.6
    assert completion_rate(Counts(assigned=2, upcoming=2)) is None


def test_several_councils_without_anything() -> None:
    stats = aggregate(Q1, COMMUNES, PeriodRows(), PeriodRows())
    assert summary_text(stats, "vi") == (
        "Trong quý I/2022, các HĐND đã chọn không có hoạt động nào theo lịch."
    )
    # The upper council chosen with its communes (--children) keeps its paragraph.
    stats = aggregate(Q1, [DISTRICT, *COMMUNES], PeriodRows(), PeriodRows())
    assert summary_text(stats, "vi").startswith(
        "Trong quý I/2022, HĐND huyện Mê Linh không có hoạt động tiếp công dân"
    )


def test_a_special_zone_among_the_communes_is_named() -> None:
    """Since July 2025 a province's lower councils may include a đặc khu."""
    province = CouncilInfo(1, "HDND-QN", "HĐND tỉnh Quảng Ninh", "province")
    lower = (
        CouncilInfo(2, "HDND-HL", "HĐND phường Hạ Long", "commune", 1),
        CouncilInfo(3, "HDND-VD", "HĐND đặc khu Vân Đồn", "commune", 1),
    )
    text = summary_text(_stats(province, *lower), "vi")
    assert "HĐND các xã, phường, đặc khu (02 xã, phường, đặc khu)" in text
