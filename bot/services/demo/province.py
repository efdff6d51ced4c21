"""The 2026 demo roster: a province council and the commune and ward councils under it.

After the 2025 reform local government has two levels. The province council
(``DEMO-T``, "HĐND tỉnh An Thịnh", term 2026–2031) has 50 delegates in ten Tổ đại biểu
(one per constituency), four committees (Ban), a Standing Committee by title (Chủ tịch,
two Phó Chủ tịch, Ủy viên Thường trực who chair the committees) and two accounts of its
office (role ``văn phòng``). Under it, six councils of communes, wards and a special zone,
each with its own Standing Committee and one office account. The roster is written with
Vietnamese headers, as an office's own file would be. Names and phones are invented and
deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.demo.roster import _People, in_text

PROVINCE_COUNCIL = "DEMO-T"
PROVINCE_PLACE = "tỉnh An Thịnh"
PROVINCE_DELEGATES = 50
PROVINCE_GROUPS = 10
TERM = "khóa I, nhiệm kỳ 2026–2031"
_SEED = 20_260_315  # the day of the 2026 election

COMMITTEES = ("Ban Pháp chế", "Ban Kinh tế – Ngân sách", "Ban Văn hóa – Xã hội", "Ban Dân tộc")

# (code suffix, unit as written in a list, delegates): the councils under the province.
LOCAL_COUNCILS: tuple[tuple[str, str, int], ...] = (
    ("P01", "Phường An Thịnh", 27),
    ("P02", "Phường Hưng Phú", 25),
    ("X01", "Xã Mỹ Hưng", 24),
    ("X02", "Xã Tân Phong", 22),
    ("X03", "Xã Hòa Bình", 21),
    ("DK1", "Đặc khu Cồn Mây", 15),
)

ROSTER_HEADER = (
    "Mã đại biểu", "Họ và tên", "Mã HĐND", "Cấp", "Đơn vị", "Đơn vị bầu cử",
    "Số điện thoại", "Vai trò", "Tên HĐND", "HĐND cấp trên", "Chức vụ", "Tổ đại biểu", "Ban",
)  # fmt: skip

_PROVINCE_TITLES = {
    1: ("Chủ tịch HĐND", ""),
    2: ("Phó Chủ tịch HĐND", ""),
    3: ("Phó Chủ tịch HĐND", ""),
    4: ("Ủy viên Thường trực, Trưởng Ban Pháp chế", COMMITTEES[0]),
    5: ("Ủy viên Thường trực, Trưởng Ban Kinh tế – Ngân sách", COMMITTEES[1]),
    6: ("Ủy viên Thường trực, Trưởng Ban Văn hóa – Xã hội", COMMITTEES[2]),
    7: ("Ủy viên Thường trực, Trưởng Ban Dân tộc", COMMITTEES[3]),
}
_LOCAL_TITLES = {1: "Chủ tịch HĐND", 2: "Phó Chủ tịch HĐND"}


@dataclass(frozen=True)
class ProvinceRow:
    """One line of the 2026 roster file, in :data:`ROSTER_HEADER`'s order."""

    code: str
    full_name: str
    council: str
    level: str
    unit: str
    constituency: str
    phone: str
    role: str
    council_name: str
    parent_council: str
    title: str
    group: str
    committee: str


def local_council(suffix: str) -> str:
    return f"{PROVINCE_COUNCIL}-{suffix}"


def council_names() -> dict[str, str]:
    """Every demo council of 2026 and its name, the province first."""
    names = {PROVINCE_COUNCIL: f"HĐND {PROVINCE_PLACE}"}
    for suffix, unit, _count in LOCAL_COUNCILS:
        names[local_council(suffix)] = f"HĐND {in_text(unit)}"
    return names


def group_name(number: int) -> str:
    return f"Tổ đại biểu số {number}"


def _level(unit: str) -> str:
    return unit.split()[0].lower() if not unit.startswith("Đặc khu") else "đặc khu"


def build_province_roster() -> list[ProvinceRow]:
    """The province's delegates (five per Tổ, each Tổ the delegates of one constituency
    made of one local unit, as seats are spread), its two office accounts, then each local
    council's delegates (three per constituency) and its office account."""
    people = _People(_SEED)
    name = council_names()
    units = [unit for _suffix, unit, _count in LOCAL_COUNCILS]
    rows: list[ProvinceRow] = []
    per_group = PROVINCE_DELEGATES // PROVINCE_GROUPS
    for number in range(1, PROVINCE_DELEGATES + 1):
        group = (number - 1) // per_group + 1
        title, chaired = _PROVINCE_TITLES.get(number, ("", ""))
        if number == per_group * (group - 1) + 2 and not title:
            title = "Tổ trưởng tổ đại biểu"
        committee = chaired or ("" if number % 3 == 0 else COMMITTEES[number % len(COMMITTEES)])
        rows.append(
            ProvinceRow(
                code=f"DEMO-T-{number:03d}",
                full_name=people.name(),
                council=PROVINCE_COUNCIL,
                level="tỉnh",
                unit=units[(group - 1) % len(units)],
                constituency=f"Đơn vị bầu cử số {group}",
                phone=people.phone(),
                role="đại biểu",
                council_name=name[PROVINCE_COUNCIL],
                parent_council="",
                title=title or "Đại biểu",
                group=group_name(group),
                committee=committee,
            )
        )
    for number in (1, 2):
        rows.append(_office_row(people, f"DEMO-T-VP{number}", PROVINCE_COUNCIL, "tỉnh",
                                name[PROVINCE_COUNCIL], ""))  # fmt: skip
    for suffix, unit, count in LOCAL_COUNCILS:
        council = local_council(suffix)
        for number in range(1, count + 1):
            rows.append(
                ProvinceRow(
                    code=f"DEMO-{suffix}-{number:03d}",
                    full_name=people.name(),
                    council=council,
                    level=_level(unit),
                    unit=unit,
                    constituency=f"Đơn vị bầu cử số {(number - 1) // 3 + 1}",
                    phone=people.phone(),
                    role="đại biểu",
                    council_name=name[council],
                    parent_council=PROVINCE_COUNCIL,
                    title=_LOCAL_TITLES.get(number, "Đại biểu"),
                    group="",
                    committee="Ban Pháp chế" if number in (3, 4) else "",
                )
            )
        rows.append(_office_row(people, f"DEMO-{suffix}-VP", council, _level(unit),
                                name[council], PROVINCE_COUNCIL))  # fmt: skip
    return rows


def _office_row(
    people: _People, code: str, council: str, level: str, council_name: str, parent: str
) -> ProvinceRow:
    """An account of the council's office: it manages the bot and holds no seat."""
    return ProvinceRow(
        code=code,
        full_name=people.name(),
        council=council,
        level=level,
        unit="",
        constituency="",
        phone=people.phone(),
        role="văn phòng",
        council_name=council_name,
        parent_council=parent,
        title="Chuyên viên Văn phòng",
        group="",
        committee="",
    )
