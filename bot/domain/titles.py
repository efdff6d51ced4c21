"""Titles (chức vụ) a delegate holds, as the roster writes them.

The Standing Committee of a council (Thường trực HĐND) is its Chủ tịch, Phó Chủ tịch and
Ủy viên Thường trực: a title, read here, never the bot's access role (``secretary`` is the
office's staff, who may hold no seat at all).
"""

from __future__ import annotations

import re

from bot.domain.tables import fold_label

# Folded (no diacritics, lower case). "Chủ tịch UBND" or "Chủ tịch Ủy ban MTTQ" sit in
# other bodies: a title naming one of them is not the council's Standing Committee.
_STANDING = re.compile(r"^(pho )?chu tich\b|\buy vien thuong truc\b|^thuong truc hdnd\b")
_OTHER_BODY = re.compile(r"\b(ubnd|uy ban|mat tran|mttq)\b")


def is_standing_committee(title: str) -> bool:
    """Whether ``title`` is one of the Standing Committee's: ``Chủ tịch HĐND``,
    ``Phó Chủ tịch HĐND``, ``Ủy viên Thường trực`` (with or without diacritics)."""
    folded = fold_label(title.replace("Uỷ", "Ủy").replace("uỷ", "ủy"))
    return bool(_STANDING.search(folded)) and not _OTHER_BODY.search(folded)
