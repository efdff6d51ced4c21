"""Who a secretariat notice is for, as the secretary writes it after ``/thongbao``.

``all`` (``tất cả``: delegates only, never the office's accounts), ``level:<…>``,
``unit:<unit>`` (``đơn vị:``), ``group:<tổ>`` (``tổ:``), ``committee:<ban>`` (``ban:``),
``standing`` (``thường trực``: the Standing Committee by title), ``secretaries``
(``văn phòng``), or delegate codes separated by spaces or ``;``; ``children``
(``cấp dưới``) before any of them names the same target in every child council;
``council:<CODE>`` (``hđnd:``) first picks another council (an admin's, or a child of
the caller's); ``hạn 2 ngày`` / ``hạn 2d`` at the end sets an acknowledgement deadline.
Pure parsing: the council, the codes and the units are checked against the database by
``bot/services/broadcasts/drafts.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from bot.domain.callbacks import parse_id
from bot.domain.durations import parse_duration
from bot.domain.roster import LEVELS_ACCEPTED, Level, parse_level
from bot.domain.tables import InvalidValue, fold_label
from bot.i18n import N_

PROGRESS_WIDTH = 10
MAX_DEADLINE = timedelta(days=30)

_DEADLINE = re.compile(r"(?:^|\s)(?:hạn|han|deadline)\s*:?\s*(\d.*?)\s*$", re.IGNORECASE)
_COUNCIL = re.compile(r"^\s*(?:council|hđnd|hdnd)\s*:\s*(\S+)\s*", re.IGNORECASE)
_CHILDREN = re.compile(r"^\s*(?:children|cấp dưới|cap duoi)(?:\s+|$)", re.IGNORECASE)
_PREFIXED = re.compile(
    r"^\s*(level|unit|cap|cấp|don vi|đơn vị|group|tổ|to|committee|ban)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_CODE_SEPARATORS = re.compile(r"[\s;,]+")
_VI_DURATION = re.compile(r"^(\d+)\s*(ngày|ngay|giờ|gio|tiếng|tieng|phút|phut)$", re.IGNORECASE)
_VI_UNITS = {"ngay": "d", "gio": "h", "tieng": "h", "phut": "m"}
_ALL = frozenset({"all", "tat ca", "tatca", "tat ca dai bieu"})
_SECRETARIES = frozenset({"secretaries", "thu ky", "thuky", "secretary", "van phong", "vanphong"})
_STANDING = frozenset({"standing", "thuong truc", "thuong truc hdnd", "thuongtruc"})
_PREFIX_KINDS = {
    "unit": "unit",
    "don vi": "unit",
    "group": "group",
    "to": "group",
    "committee": "committee",
    "ban": "committee",
}
_CORRECTION = "correction:"


class TargetKind(StrEnum):
    all = "all"
    level = "level"
    unit = "unit"
    group = "group"
    committee = "committee"
    standing = "standing"
    secretaries = "secretaries"
    codes = "codes"
    correction = "correction"  # the recipients of an earlier broadcast


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    value: str = ""
    """The level or the unit name."""
    codes: tuple[str, ...] = ()
    corrects_id: int | None = None
    children: bool = False
    """The same target in every council whose parent is the broadcast's council."""

    def describe(self) -> str:
        """The stored form (``broadcasts.audience``), which :func:`parse_target` reads back."""
        prefix = "children " if self.children else ""
        match self.kind:
            case TargetKind.level | TargetKind.unit | TargetKind.group | TargetKind.committee:
                return f"{prefix}{self.kind.value}:{self.value}"
            case TargetKind.codes:
                return prefix + " ".join(self.codes)
            case TargetKind.correction:
                return f"correction:{self.corrects_id}"
            case _:
                return prefix + self.kind.value


@dataclass(frozen=True)
class Request:
    """What ``/thongbao <text>`` asked for."""

    target: Target | None
    council_code: str | None = None
    deadline: timedelta | None = None


class RequestError(Exception):
    """A message id (and its fields) saying what is wrong with the request."""

    def __init__(self, message: str, params: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.params = params or {}


def parse_request(text: str) -> Request:
    """``"council:HDND-ML unit:Xã Mỹ Lộc hạn 2d"`` → its council, target and deadline."""
    rest = " ".join(text.split())
    deadline = None
    if match := _DEADLINE.search(rest):
        deadline = parse_deadline(match[1])
        rest = rest[: match.start()].strip()
    council = None
    if match := _COUNCIL.match(rest):
        council = match[1]
        rest = rest[match.end() :].strip()
    return Request(parse_target(rest) if rest else None, council, deadline)


def parse_deadline(text: str) -> timedelta:
    """``2d``, ``48h``, ``30m``, or as the office says it: ``2 ngày``, ``48 giờ``, ``30 phút``."""
    spoken = text.strip().lower()
    if match := _VI_DURATION.match(spoken):
        spoken = match[1] + _VI_UNITS[fold_label(match[2])]
    try:
        value = parse_duration(spoken)
    except ValueError:
        raise RequestError(
            N_("{value} is not a deadline such as 2d, 12h or 30m."), {"value": text}
        ) from None
    if not timedelta(minutes=5) <= value <= MAX_DEADLINE:
        raise RequestError(N_("The deadline must be between 5 minutes and 30 days."))
    return value


def _parse_level(value: str) -> Level:
    """``tỉnh``, ``xã``, ``phường``, ``đặc khu``, ``province``… as a roster's level column."""
    try:
        return parse_level(value)
    except InvalidValue:
        raise RequestError(
            N_("Unknown level {level}: use one of {accepted} (e.g. cấp:xã)."),
            {"level": value, "accepted": LEVELS_ACCEPTED},
        ) from None


def parse_target(text: str) -> Target:
    if match := _CHILDREN.match(text):
        rest = text[match.end() :].strip()
        if not rest:
            return Target(TargetKind.all, children=True)
        target = parse_target(rest)
        if target.kind is TargetKind.correction or target.children:
            raise RequestError(N_("Say who should receive the notice."))
        return replace(target, children=True)
    folded = fold_label(text)
    if folded in _ALL:
        return Target(TargetKind.all)
    if folded in _SECRETARIES:
        return Target(TargetKind.secretaries)
    if folded in _STANDING:
        return Target(TargetKind.standing)
    if folded.startswith(_CORRECTION):
        # the stored form of a correction: its id as buttons carry one, or nothing
        corrects_id = parse_id(folded.removeprefix(_CORRECTION))
        if corrects_id is None:
            raise RequestError(N_("Say who should receive the notice."))
        return Target(TargetKind.correction, corrects_id=corrects_id)
    if match := _PREFIXED.match(text):
        prefix, value = fold_label(match[1]), match[2].strip()
        if prefix in {"level", "cap"}:
            return Target(TargetKind.level, _parse_level(value).value)
        kind = TargetKind(_PREFIX_KINDS[prefix])
        if not value:
            raise RequestError(
                N_("Name the unit, group or committee after the colon, e.g. tổ:Tổ đại biểu số 1")
            )
        return Target(kind, value)
    codes = tuple(dict.fromkeys(code for code in _CODE_SEPARATORS.split(text) if code))
    if not codes:
        raise RequestError(N_("Say who should receive the notice."))
    return Target(TargetKind.codes, codes=codes)


def progress_bar(done: int, total: int, width: int = PROGRESS_WIDTH) -> str:
    """``▓▓▓▓▓░░░░░`` for half way; full only when everything is done."""
    if total <= 0:
        return "▓" * width
    filled = min(width, done * width // total)
    return "▓" * filled + "░" * (width - filled)


class FailureReason(StrEnum):
    """Why a delegate did not get a copy: skipped at confirmation or failed when sent."""

    blocked = "blocked"
    not_linked = "not_linked"
    inactive = "inactive"
    source_deleted = "source_deleted"
    """The secretary deleted the original, and nothing of it was kept to send instead."""
    other = "other"


class NoticeKind(StrEnum):
    text = "text"
    photo = "photo"
    document = "document"


@dataclass(frozen=True)
class KeptNotice:
    """A notice as it arrived: sent as it is when its original can no longer be copied."""

    kind: NoticeKind
    text: str
    """The text, or the caption of the photo or document."""
    entities: str = "[]"
    """Telegram's entities of the text (or caption), as JSON."""
    file_id: str | None = None


SOURCE_GONE = "message to copy not found"
"""What Telegram answers (400) to a copy of a message its chat has deleted."""
SENT_FROM_KEPT = "sent from the kept notice: the original was deleted"
"""The note a copy sent from the kept notice carries (its outbox row's ``last_error``)."""


def source_gone(error: str) -> bool:
    return SOURCE_GONE in error.lower()


def failure_reason(last_error: str | None) -> FailureReason:
    """The reason of a failed outbox row, from the dispatcher's ``last_error``."""
    error = (last_error or "").lower()
    if error.startswith(("blocked", "unreachable")):
        return FailureReason.blocked
    if error.startswith("not linked"):
        return FailureReason.not_linked
    if error.startswith("inactive"):
        return FailureReason.inactive
    if source_gone(error):
        return FailureReason.source_deleted
    return FailureReason.other
