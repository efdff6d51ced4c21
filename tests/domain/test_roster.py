"""Roster row rules, without files or a database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.roster import (
    ROSTER_ALIASES,
    InvalidValue,
    Level,
    Role,
    RosterEntry,
    normalize_phone,
    parse_code,
    parse_level,
    parse_role,
    parse_text,
    validate_roster,
)
from bot.services.files.tabular import Problem, TableRow, fold_label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("(0912) 345-678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84 (0) 912 345 678", "0912345678"),
        ("0084 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("912345678", "0912345678"),  # a number cell in a spreadsheet loses the 0
        ("843123456", "0843123456"),  # ...even when what remains starts with 84
        ("024 3825 1234", "02438251234"),  # Hà Nội landline, 11 digits
        ("+84 24 3825 1234", "02438251234"),
        ("01689123456", "01689123456"),  # an old 11-digit mobile number
        ("", ""),
        ("   ", ""),
    ],
)
def test_phone_is_normalised(text: str, expected: str) -> None:
    assert normalize_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0912 34",
        "12345678",
        "091234567890",
        "+84 0912 345 678 99",
        "+1 202 555 0100",
        "0912345678 / 0987654321",
        "0912-ABC-678",
        "00912345678",
        "++84912345678",
        "09１2345678",  # full-width digit
        "không có",
    ],
)
def test_phone_is_rejected(text: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        normalize_phone(text)
    assert raised.value.params == {"value": text.strip()}
    assert "{value}" in raised.value.message


@given(st.from_regex(r"0[1-9][0-9]{8,9}", fullmatch=True))
def test_normalised_phones_are_fixed_points(phone: str) -> None:
    assert normalize_phone(phone) == phone
    assert normalize_phone("+84 " + phone[1:]) == phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("province", Level.province),
        ("District", Level.district),
        (" COMMUNE ", Level.commune),
        ("tỉnh", Level.province),
        ("Cấp tỉnh", Level.province),
        ("huyện", Level.district),
        ("CẤP HUYỆN", Level.district),
        ("cấp  huyện", Level.district),
        ("xã", Level.commune),
        ("Cấp xã", Level.commune),
        ("cap xa", Level.commune),
        ("phường", Level.commune),
        ("thị trấn", Level.commune),
        ("quận", Level.district),
        ("Xa\u0303", Level.commune),  # decomposed (NFD) "Xã"
        # The words of the 2025 reform: the six centrally-run cities are provinces, the
        # special zones communes.
        ("thành phố", Level.province),
        ("Thành phố trực thuộc Trung ương", Level.province),
        ("TP", Level.province),
        ("đặc khu", Level.commune),
        ("Cấp đặc khu", Level.commune),
    ],
)
def test_level_is_parsed(text: str, expected: Level) -> None:
    assert parse_level(text) == expected


@pytest.mark.parametrize("text", ["county", "cấp", "tỉnh thành", "cấp trung ương", "1"])
def test_level_is_rejected(text: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_level(text)
    assert raised.value.params["value"] == text
    # The levels offered are those of today: no district, no town.
    assert raised.value.params["accepted"] == "tỉnh (thành phố), xã (phường, đặc khu)"


def test_empty_level_is_required() -> None:
    with pytest.raises(InvalidValue, match="A value is required"):
        parse_level("  ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Role.delegate),
        ("delegate", Role.delegate),
        ("Secretary", Role.secretary),
        ("Đại biểu", Role.delegate),
        ("đại  biểu", Role.delegate),
        ("THƯ KÝ", Role.secretary),
        ("thu ky", Role.secretary),
        ("Văn phòng", Role.secretary),
        ("cán bộ văn phòng", Role.secretary),
        ("chuyên viên", Role.secretary),
    ],
)
def test_role_is_parsed(text: str, expected: Role) -> None:
    assert parse_role(text) == expected


@pytest.mark.parametrize("text", ["admin", "chủ tịch", "delegates"])
def test_role_is_rejected(text: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_role(text)
    assert raised.value.params["value"] == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ML-H-001", "ML-H-001"),
        (" ml_x01.027 ", "ml_x01.027"),
        ("1001", "1001"),
        ("A" * 64, "A" * 64),
    ],
)
def test_code_is_accepted(text: str, expected: str) -> None:
    assert parse_code(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "A value is required"),
        ("ML H 001", '"ML H 001" is not a valid code'),
        ("ML/H/001", '"ML/H/001" is not a valid code'),
        ("MÃ-01", '"MÃ-01" is not a valid code'),
        ("A" * 65, "Too long: 65 characters (at most 64)"),
    ],
)
def test_code_is_rejected(text: str, message: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_code(text)
    assert str(raised.value).startswith(message)


def test_text_is_collapsed_and_limited() -> None:
    assert parse_text("  Nguyễn   Văn\tAn ") == "Nguyễn Văn An"
    assert parse_text("x" * 255) == "x" * 255
    with pytest.raises(InvalidValue, match="Too long: 256 characters"):
        parse_text("x" * 256)
    with pytest.raises(InvalidValue, match="A value is required"):
        parse_text(" ", required=True)


def test_aliases_match_their_vietnamese_headers() -> None:
    spellings = {fold_label(s): c for c, names in ROSTER_ALIASES.items() for s in (c, *names)}
    for header, column in {
        "Mã": "code",
        "Mã đại biểu": "code",
        "Họ và tên": "full_name",
        "Họ tên": "full_name",
        "Hội đồng": "council",
        "Mã hội đồng": "council",
        "Cấp": "level",
        "Đơn vị": "unit",
        "Đơn vị bầu cử": "constituency",
        "Khu vực bầu cử": "constituency",
        "Số điện thoại": "phone",
        "Điện thoại": "phone",
        "Vai trò": "role",
    }.items():
        assert spellings[fold_label(header)] == column, header


# --- whole rows --------------------------------------------------------------------------

FULL = {
    "code": "ML-X01-001",
    "full_name": "Phạm Thị Thủy",
    "council": "ML-X01",
    "level": "xã",
    "unit": "Thị trấn Mỹ Lộc",
    "constituency": "Đơn vị bầu cử số 1",
    "phone": "0912 345 678",
    "role": "",
}


def row(number: int, **changes: str) -> TableRow:
    return TableRow(number=number, values={**FULL, **changes})


def test_valid_row_becomes_an_entry() -> None:
    entries, problems = validate_roster([row(2)])
    assert problems == []
    assert entries == [
        RosterEntry(
            row=2,
            code="ML-X01-001",
            full_name="Phạm Thị Thủy",
            council="ML-X01",
            level=Level.commune,
            unit="Thị trấn Mỹ Lộc",
            constituency="Đơn vị bầu cử số 1",
            phone="0912345678",
            role=Role.delegate,
        )
    ]


def test_council_name_parent_title_group_and_committee_are_read() -> None:
    extra = {
        "council_name": "HĐND  xã Mỹ Lộc",
        "parent_council": "NB-T",
        "title": "Phó Chủ tịch HĐND",
        "group": "Tổ đại biểu số 2",
        "committee": "Ban Pháp chế",
    }
    [entry], problems = validate_roster([row(2, **extra)])
    assert problems == []
    assert (entry.council_name, entry.parent_council, entry.title) == (
        "HĐND xã Mỹ Lộc",
        "NB-T",
        "Phó Chủ tịch HĐND",
    )
    assert (entry.group, entry.committee) == ("Tổ đại biểu số 2", "Ban Pháp chế")


def test_rows_of_one_council_must_agree_on_its_name_and_parent() -> None:
    rows = [
        row(2, council_name="HĐND xã Mỹ Lộc", parent_council="NB-T"),
        row(3, code="ML-X01-002", council_name="HĐND xã Mỹ Lộc", parent_council=""),
        row(4, code="ML-X01-003", council_name="HĐND phường Mỹ Lộc", parent_council="HN-T"),
    ]
    _entries, problems = validate_roster(rows)
    assert [(p.row, p.column) for p in problems] == [(4, "council_name"), (4, "parent_council")]
    assert problems[0].params == {
        "value": "HĐND phường Mỹ Lộc",
        "first_row": "2",
        "first": "HĐND xã Mỹ Lộc",
        "code": "ML-X01",
    }


def test_a_bad_parent_code_names_its_column() -> None:
    _entries, [problem] = validate_roster([row(2, parent_council="HĐND tỉnh")])
    assert (problem.row, problem.column) == (2, "parent_council")


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Tên HĐND", "council_name"),
        ("HĐND cấp trên", "parent_council"),
        ("Chức vụ", "title"),
        ("Tổ đại biểu", "group"),
        ("Ban", "committee"),
    ],
)
def test_new_columns_have_vietnamese_headers(header: str, column: str) -> None:
    assert fold_label(header) in {fold_label(a) for a in ROSTER_ALIASES[column]}


def test_absent_optional_columns_are_none() -> None:
    values = {key: FULL[key] for key in ("code", "full_name", "council", "level")}
    [entry], problems = validate_roster([TableRow(number=2, values=values)])
    assert problems == []
    assert (entry.unit, entry.constituency, entry.phone, entry.role) == (None, None, None, None)


def test_every_problem_of_every_row_is_reported() -> None:
    rows = [
        row(2),
        row(3, code="", full_name="", council="ML X01", level="tỉnh thành", phone="12", role="?"),
        row(4, code="ML-X01-002", unit="u" * 256),
        row(5, code="ML-X01-003"),
    ]
    entries, problems = validate_roster(rows)

    assert [entry.code for entry in entries] == ["ML-X01-001", "ML-X01-003"]
    assert [(p.row, p.column) for p in problems] == [
        (3, "code"),
        (3, "full_name"),
        (3, "council"),
        (3, "level"),
        (3, "phone"),
        (3, "role"),
        (4, "unit"),
    ]
    assert problems[-1].params == {"length": "256", "limit": "255"}


def test_duplicate_code_names_the_first_row() -> None:
    rows = [row(2), row(3, code="ML-X01-002"), row(9), row(12, phone="x")]
    entries, problems = validate_roster(rows)
    assert [entry.row for entry in entries] == [2, 3]
    assert problems == [
        Problem(
            9,
            "code",
            "Code {code} is already used on row {first_row}",
            {"code": "ML-X01-001", "first_row": "2"},
        ),
        Problem(12, "phone", problems[1].message, {"value": "x"}),
        Problem(
            12,
            "code",
            "Code {code} is already used on row {first_row}",
            {"code": "ML-X01-001", "first_row": "2"},
        ),
    ]


@pytest.mark.parametrize(
    "parse", [parse_code, parse_level, parse_role, normalize_phone, parse_text]
)
@given(text=st.text(max_size=80))
def test_validators_raise_only_invalid_value(parse: Callable[[str], object], text: str) -> None:
    try:
        parse(text)
    except InvalidValue as invalid:
        error = invalid
    else:
        return
    assert error.message.format(**error.params) == str(error)
