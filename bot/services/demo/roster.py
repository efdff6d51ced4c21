"""The demo roster: a district council of 2022 and its 18 commune councils.

35 district delegates elected in 9 constituencies of two units each (two of them,
``DEMO-H-001`` and ``DEMO-H-002``, members of the Standing Committee, have the role
``secretary``), and 491 commune delegates in ``HDND-DEMO-X01`` … ``HDND-DEMO-X18``.
Names and phone numbers are invented and deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DISTRICT_COUNCIL = "HDND-DEMO"
DISTRICT_NAME = "huyện An Thịnh"
DISTRICT_DELEGATES = 35
COMMUNE_DELEGATES = 491
SECRETARY_CODES = ("DEMO-H-001", "DEMO-H-002")

UNITS: tuple[str, ...] = (
    "Thị trấn An Thịnh",
    "Thị trấn Hưng Phú",
    "Xã An Hòa",
    "Xã An Lạc",
    "Xã Mỹ Hưng",
    "Xã Tân Phong",
    "Xã Tân Tiến",
    "Xã Hòa Bình",
    "Xã Đồng Tâm",
    "Xã Quang Trung",
    "Xã Hưng Đạo",
    "Xã Thịnh Long",
    "Xã Yên Thành",
    "Xã Bình Minh",
    "Xã Hồng Phong",
    "Xã Nghĩa Đồng",
    "Xã Trung Đông",
    "Xã Liên Minh",
)
"""The district's communes and towns (invented names; the first town is the district seat)."""

_DISTRICT_DELEGATES_PER_CONSTITUENCY = 4
_UNITS_PER_CONSTITUENCY = 2
_COMMUNE_DELEGATES_PER_CONSTITUENCY = 3
_SEED = 20_220_101

_SURNAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
    "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
)  # fmt: skip
# How common each family name is, roughly (Nguyễn far ahead of the rest).
_SURNAME_WEIGHTS = (38, 11, 9, 7, 5, 3, 4, 4, 3, 3, 3, 3, 2, 2, 2, 1)
_MALE_MIDDLE = ("Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Thanh", "Công", "Ngọc", "Trọng")
_FEMALE_MIDDLE = ("Thị", "Thu", "Ngọc", "Minh", "Thanh", "Hồng", "Kim", "Phương", "Thúy")
_MALE_GIVEN = (
    "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Long", "Nam", "Quân", "Sơn", "Trung",
    "Tuấn", "Hoàng", "Khánh", "Phong", "Thắng", "Việt", "Đạt", "Hiếu", "Toàn", "Thành",
    "Lộc", "Huy", "Kiên",
)  # fmt: skip
_FEMALE_GIVEN = (
    "Dung", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Mai", "Phương", "Tâm", "Thảo", "Vân",
    "Yến", "Ngân", "Nhung", "Oanh", "Trang", "Thủy", "Liên", "Hằng", "Linh", "Huyền", "Nga",
)  # fmt: skip
_PHONE_PREFIXES = (
    "090", "091", "093", "094", "096", "097", "098",
    "032", "033", "034", "035", "036", "037", "038", "039",
)  # fmt: skip


@dataclass(frozen=True)
class RosterRow:
    """One line of the demo roster file, in the contract's column order."""

    code: str
    full_name: str
    council: str
    level: str
    unit: str
    constituency: str
    phone: str
    role: str = "delegate"


def commune_council(index: int) -> str:
    """The council code of unit ``index`` (from 0): ``HDND-DEMO-X01`` …"""
    return f"{DISTRICT_COUNCIL}-X{index + 1:02d}"


def _commune_prefix(index: int) -> str:
    return f"DEMO-X{index + 1:02d}"


def in_text(unit: str) -> str:
    """``"Xã Mỹ Hưng"`` → ``"xã Mỹ Hưng"``, as the name is written inside a sentence."""
    return unit[:1].lower() + unit[1:]


def constituency_name(number: int) -> str:
    return f"Đơn vị bầu cử số {number}"


def district_constituencies() -> int:
    return -(-DISTRICT_DELEGATES // _DISTRICT_DELEGATES_PER_CONSTITUENCY)


def constituency_units(index: int) -> tuple[str, ...]:
    """The units of district constituency ``index`` (from 0)."""
    first = index * _UNITS_PER_CONSTITUENCY
    return UNITS[first : first + _UNITS_PER_CONSTITUENCY]


class _People:
    """Deterministic names and unique phone numbers."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._phones: set[str] = set()

    def name(self) -> str:
        pick = self._random
        surname = pick.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
        if pick.random() < 0.5:
            return f"{surname} {pick.choice(_MALE_MIDDLE)} {pick.choice(_MALE_GIVEN)}"
        return f"{surname} {pick.choice(_FEMALE_MIDDLE)} {pick.choice(_FEMALE_GIVEN)}"

    def phone(self) -> str:
        while True:
            number = f"{self._random.choice(_PHONE_PREFIXES)}{self._random.randrange(10**7):07d}"
            if number not in self._phones:
                self._phones.add(number)
                return number


def build_roster() -> list[RosterRow]:
    """The demo roster: 35 district delegates, then 491 commune delegates, unit by unit.

    District delegates are elected in 9 constituencies of two units each (four delegates
    per constituency, three in the last); each lives and receives citizens in one unit of
    their constituency, so every unit has at least one. Communes get 27 or 28 delegates,
    three per constituency.
    """
    people = _People(_SEED)
    rows: list[RosterRow] = []
    for number in range(1, DISTRICT_DELEGATES + 1):
        constituency, seat = divmod(number - 1, _DISTRICT_DELEGATES_PER_CONSTITUENCY)
        units = constituency_units(constituency)
        code = f"DEMO-H-{number:03d}"
        rows.append(
            RosterRow(
                code=code,
                full_name=people.name(),
                council=DISTRICT_COUNCIL,
                level="district",
                unit=units[seat % len(units)],
                constituency=constituency_name(constituency + 1),
                phone=people.phone(),
                role="secretary" if code in SECRETARY_CODES else "delegate",
            )
        )
    per_unit, extra = divmod(COMMUNE_DELEGATES, len(UNITS))
    for index, unit in enumerate(UNITS):
        for number in range(1, per_unit + (1 if index < extra else 0) + 1):
            rows.append(
                RosterRow(
                    code=f"{_commune_prefix(index)}-{number:03d}",
                    full_name=people.name(),
                    council=commune_council(index),
                    level="commune",
                    unit=unit,
                    constituency=constituency_name(
                        (number - 1) // _COMMUNE_DELEGATES_PER_CONSTITUENCY + 1
                    ),
                    phone=people.phone(),
                )
            )
    return rows


def council_names() -> dict[str, str]:
    """Display names of the demo councils (the roster file only knows their codes)."""
    names = {DISTRICT_COUNCIL: f"HĐND {DISTRICT_NAME}"}
    for index, unit in enumerate(UNITS):
        names[commune_council(index)] = f"HĐND {in_text(unit)}"
    return names
