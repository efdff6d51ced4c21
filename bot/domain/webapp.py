"""The Mini App's rules: the role shown per council (decided by ``bot.domain.office``),
and each assignment's state on the calendar."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.domain.reports import REPORTABLE_KINDS


class CouncilRole(StrEnum):
    """The user's role in a council, in the roster's words (``secretary``/``delegate``)."""

    secretary = "secretary"
    """The council's office, or the office of its parent council, or an admin
    (``OfficeReach.may_reach``): which office views open. Not a grant of the register's
    personal data (``citizen``, ``summary``), which only the council's own office sees
    (``OfficeReach.own``): never decide that from this role."""
    delegate = "delegate"


class AssignmentState(StrEnum):
    """An assigned delegate's state on the office's calendar (the contract's words)."""

    waiting = "waiting"
    """chờ: not ended yet."""
    reported = "reported"
    """đã báo cáo: held, and reported."""
    unreported = "unreported"
    """chưa báo cáo: ended, no report."""
    not_held = "not_held"
    """không thực hiện: reported as not held."""
    past = "past"
    """đã diễn ra: an ended duty that takes no report (a session, a deadline)."""
    released = "released"
    """xin vắng: the delegate gave the duty up (``Xin vắng``, an absence)."""
    stand_in = "stand_in"
    """người thay: a duty taken in another's place, not ended yet (then its report state)."""


def assignment_state(
    *,
    kind: str,
    ended_at: datetime,
    now: datetime,
    held: bool | None,
    released: bool = False,
    stand_in: bool = False,
) -> AssignmentState:
    """``held`` is the report's answer, ``None`` without a report. Kinds that take no
    report (a session, a deadline) are ``waiting`` until they end and ``past`` after.
    A released duty is ``released`` whatever else; a stand-in's duty is ``stand_in``
    until it ends, and then reads like any other (the office follows its report)."""
    if released:
        return AssignmentState.released
    if stand_in and held is None and ended_at > now:
        return AssignmentState.stand_in
    if held is False:
        return AssignmentState.not_held
    if held is True:
        return AssignmentState.reported
    if ended_at > now:
        return AssignmentState.waiting
    if kind not in REPORTABLE_KINDS:
        return AssignmentState.past
    return AssignmentState.unreported
