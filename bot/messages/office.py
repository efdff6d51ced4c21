"""The council office's name, as it has been since the 2025 reform: the one place that
names it.

At province level the office is "Văn phòng Đoàn ĐBQH và HĐND tỉnh …", at commune level
"Văn phòng HĐND và UBND xã …" (Nghị định 150/2025/NĐ-CP). ``SECRETARIAT_NAME`` overrides
both. Where the council is not known (a stranger without an invite) the office is just
"Văn phòng". Names are plain text: escape them before HTML.
"""

from __future__ import annotations

import re
from typing import Protocol

from bot.i18n import N_, Gettext

# "HĐND xã Mỹ Lộc", "Hội đồng nhân dân tỉnh Ninh Bình": the part after the body's name.
_COUNCIL_PREFIX = re.compile(r"^\s*(hđnd|hdnd|hội đồng nhân dân)\s+", re.IGNORECASE)

_PROVINCE = N_("the Office of the National Assembly Delegation and People's Council of {place}")
_PROVINCE_BARE = N_("the Office of the National Assembly Delegation and People's Council")
_COMMUNE = N_("the Office of the People's Council and People's Committee of {place}")
_COMMUNE_BARE = N_("the Office of the People's Council and People's Committee")
_UNKNOWN = N_("the council office")


class NamedCouncil(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def level(self) -> str | None: ...


def council_place(council: NamedCouncil) -> str | None:
    """``xã Mỹ Lộc`` from ``HĐND xã Mỹ Lộc``; ``None`` when the council has no name yet
    (its name is still its code) or the name does not start with the body's name."""
    name = council.name.strip()
    if not name or name == council.code:
        return None
    place = _COUNCIL_PREFIX.sub("", name, count=1)
    return place if place != name and place else None


def office_name(_: Gettext, council: NamedCouncil | None, *, override: str = "") -> str:
    """The office that serves ``council``, as a delegate should read it."""
    if override.strip():
        return override.strip()
    if council is None:
        return _(_UNKNOWN)
    place = council_place(council)
    if council.level == "province":
        return _(_PROVINCE).format(place=place) if place else _(_PROVINCE_BARE)
    if council.level in ("commune", "district"):
        return _(_COMMUNE).format(place=place) if place else _(_COMMUNE_BARE)
    return _(_UNKNOWN)


def capitalized(text: str) -> str:
    """``text`` with its first letter upper case, for an office name opening a sentence."""
    return text[:1].upper() + text[1:]
